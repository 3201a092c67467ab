import fc from 'fast-check';
import { applyFollowerEvent, reduceFollowerEvents } from '../src/linkage';
import type { FollowerEvent, FollowerState } from '../src/linkage';

// Times drawn from a small range so that ties (the interesting case) are frequent.
const eventArb = (unionid: string): fc.Arbitrary<FollowerEvent> =>
  fc
    .record({
      kind: fc.constantFrom('subscribe' as const, 'unsubscribe' as const),
      at: fc.integer({ min: 1_700_000_000, max: 1_700_000_006 }),
      // Real pushes: unsubscribe never carries a unionid; subscribe may or may not (user/info
      // can fail); the follower's unionid, when present, is always the same one.
      unionid: fc.option(fc.constant(unionid), { nil: undefined }),
      scene: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
    })
    .map((e) => (e.kind === 'unsubscribe' ? { kind: e.kind, at: e.at } : e));

const eventsArb = fc.array(eventArb('u-prop'), { minLength: 1, maxLength: 25 });

/** The reference answer, computed independently of the fold. */
function expectedSubscribed(events: readonly FollowerEvent[]): boolean {
  const newest = Math.max(...events.map((e) => e.at));
  return !events.some((e) => e.at === newest && e.kind === 'unsubscribe');
}

/** The part of the state that describes "now" and must not depend on arrival order. */
function currentView(state: FollowerState | null) {
  if (state === null) return null;
  return {
    subscribed: state.subscribed,
    stateAt: state.stateAt,
    unionid: state.unionid,
    since: state.subscribed ? state.subscribedAt : state.unsubscribedAt,
    scene: state.subscribed ? state.scene : undefined,
  };
}

describe('follower reducer properties', () => {
  it('subscribed is the newest event kind, unsubscribe winning ties; stateAt is the newest time', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const state = reduceFollowerEvents(events);
        expect(state).not.toBeNull();
        expect(state?.subscribed).toBe(expectedSubscribed(events));
        expect(state?.stateAt).toBe(Math.max(...events.map((e) => e.at)));
      }),
      { numRuns: 500 },
    );
  });

  it('a known unionid is never lost, and none is invented', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const known = events.some((e) => e.unionid === 'u-prop');
        expect(reduceFollowerEvents(events)?.unionid).toBe(known ? 'u-prop' : null);
      }),
      { numRuns: 500 },
    );
  });

  it('the current state does not depend on the order of arrival', () => {
    fc.assert(
      fc.property(
        eventsArb.chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
        ),
        ([events, shuffled]) => {
          expect(currentView(reduceFollowerEvents(shuffled))).toEqual(
            currentView(reduceFollowerEvents(events)),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('replaying any event already applied changes nothing (WeChat retries)', () => {
    fc.assert(
      fc.property(eventsArb, fc.nat(), (events, pick) => {
        const state = reduceFollowerEvents(events);
        const replay = events[pick % events.length]!;
        expect(applyFollowerEvent(state, replay)).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });

  it('the "since" time is the newest event time when the state is known', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const view = currentView(reduceFollowerEvents(events));
        expect(view?.since).toBe(view?.stateAt);
      }),
      { numRuns: 300 },
    );
  });
});
