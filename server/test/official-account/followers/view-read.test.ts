/**
 * The subscription view's follower read (store.ts findFollowersForViews):
 * the user's own record by unionid and whether a new follower's unionid
 * lookup is pending, from one `$or` query, with a second read only when a
 * burst of pending followers fills the page; users read together share the
 * query and get the answers each would get alone.
 */
import fc from 'fast-check';
import type { Follower } from '../../../src/official-account/followers/follower.model';
import { findFollowersForViews } from '../../../src/official-account/followers/store';
import { createFollowerViewReads } from '../../../src/official-account/followers/view-reads';
import { recordCommands } from '../../support/commands';
import { startTestServer, type TestServer } from '../../support/harness';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

const NOW = 1_800_000_000;
let appSeq = 0;

function follower(appid: string, openid: string, fields: Partial<Follower>): Follower {
  return {
    appid,
    openid,
    unionid: null,
    subscribed: true,
    stateAt: NOW,
    subscribedAt: NOW,
    unsubscribedAt: null,
    scene: null,
    version: 0,
    source: 'event',
    unionidPending: false,
    listedAt: null,
    linkage: null,
    linkedUserId: null,
    linkagePending: false,
    createdAt: new Date(NOW * 1000),
    updatedAt: new Date(NOW * 1000),
    ...fields,
  };
}

/** A fresh appid with the given followers stored. */
async function accountWith(followers: (appid: string) => Follower[]): Promise<string> {
  const appid = `wxview${++appSeq}`;
  await t.deps.models.Follower.insertMany(followers(appid));
  return appid;
}

/** Runs the read, counting its commands on oa_followers. */
async function viewRead(appid: string, unionid: string, since: number) {
  const recorder = recordCommands(
    t,
    (c) => c.collection === 'oa_followers' && JSON.stringify(c.document).includes(appid),
  );
  const [result] = await findFollowersForViews(t.deps, appid, [{ unionid, pendingSince: since }]);
  return { ...result!, commands: recorder.stop().length };
}

const pendingFollowers = (appid: string, count: number, stateAt: number): Follower[] =>
  Array.from({ length: count }, (_v, i) =>
    follower(appid, `o-pending-${i}`, { unionidPending: true, stateAt: stateAt + i }),
  );

test('the match and no pending lookup, in one command', async () => {
  const appid = await accountWith((a) => [
    follower(a, 'o-user', { unionid: 'u-1', stateAt: NOW - 50 }),
    follower(a, 'o-other', { unionid: 'u-2' }),
    // Pending but old, or pending but unfollowed: neither counts.
    follower(a, 'o-old', { unionidPending: true, stateAt: NOW - 100_000 }),
    follower(a, 'o-gone', { unionidPending: true, subscribed: false }),
  ]);
  const read = await viewRead(appid, 'u-1', NOW - 86_400);
  expect(read.follower).toMatchObject({ openid: 'o-user', unionid: 'u-1', subscribed: true });
  expect(read.lookupPending).toBe(false);
  expect(read.commands).toBe(1);
});

test('no match while a new follower waits for its lookup: pending', async () => {
  const appid = await accountWith((a) => [
    follower(a, 'o-new', { unionidPending: true, stateAt: NOW }),
  ]);
  const read = await viewRead(appid, 'u-absent', NOW - 86_400);
  expect(read).toMatchObject({ follower: null, lookupPending: true, commands: 1 });
});

test('two records for one unionid: the newest state wins', async () => {
  const appid = await accountWith((a) => [
    follower(a, 'o-a', { unionid: 'u-dup', subscribed: false, stateAt: NOW - 10 }),
    follower(a, 'o-b', { unionid: 'u-dup', subscribed: true, stateAt: NOW }),
  ]);
  const read = await viewRead(appid, 'u-dup', NOW - 86_400);
  expect(read.follower).toMatchObject({ openid: 'o-b', subscribed: true });
});

test('a burst of newer pending followers fills the page: the match is read on its own', async () => {
  const appid = await accountWith((a) => [
    follower(a, 'o-user', { unionid: 'u-burst', stateAt: NOW - 1_000 }),
    ...pendingFollowers(a, 30, NOW - 500),
  ]);
  const read = await viewRead(appid, 'u-burst', NOW - 86_400);
  expect(read.follower).toMatchObject({ openid: 'o-user', unionid: 'u-burst' });
  expect(read.lookupPending).toBe(true);
  expect(read.commands).toBe(2);
});

test('a burst without a match for the user: no record, pending', async () => {
  const appid = await accountWith((a) => pendingFollowers(a, 30, NOW - 500));
  const read = await viewRead(appid, 'u-none', NOW - 86_400);
  expect(read).toMatchObject({ follower: null, lookupPending: true, commands: 2 });
});

describe('users read together', () => {
  /** Each query answered alone, as a lone login would be. */
  const alone = (appid: string, queries: { unionid: string; pendingSince: number }[]) =>
    Promise.all(queries.map(async (q) => (await findFollowersForViews(t.deps, appid, [q]))[0]));

  test('share one command, each getting the answer it would get alone', async () => {
    const appid = await accountWith((a) => [
      follower(a, 'o-1', { unionid: 'u-a', stateAt: NOW - 10 }),
      follower(a, 'o-2', { unionid: 'u-b', subscribed: false, stateAt: NOW - 20 }),
      follower(a, 'o-new', { unionidPending: true, stateAt: NOW - 3_600 }),
    ]);
    const queries = [
      { unionid: 'u-a', pendingSince: NOW - 86_400 },
      { unionid: 'u-b', pendingSince: NOW - 86_400 },
      // The pending follow is older than this user's window: not theirs to wait for.
      { unionid: 'u-c', pendingSince: NOW - 60 },
      { unionid: 'u-d', pendingSince: NOW - 86_400 },
    ];
    const recorder = recordCommands(
      t,
      (c) => c.collection === 'oa_followers' && JSON.stringify(c.document).includes(appid),
    );
    const together = await findFollowersForViews(t.deps, appid, queries);
    expect(recorder.stop()).toHaveLength(1);
    expect(together.map((r) => [r.follower?.openid ?? null, r.lookupPending])).toEqual([
      ['o-1', true],
      ['o-2', true],
      [null, false],
      [null, true],
    ]);
    expect(together).toEqual(await alone(appid, queries));
  });

  test('a full page: whoever has no match in it is read again alone', async () => {
    const appid = await accountWith((a) => [
      follower(a, 'o-old', { unionid: 'u-old', stateAt: NOW - 5_000 }),
      follower(a, 'o-recent', { unionid: 'u-recent', stateAt: NOW }),
      ...pendingFollowers(a, 30, NOW - 500),
    ]);
    const queries = ['u-old', 'u-recent', 'u-none'].map((unionid) => ({
      unionid,
      pendingSince: NOW - 86_400,
    }));
    const together = await findFollowersForViews(t.deps, appid, queries);
    expect(together.map((r) => r.follower?.openid ?? null)).toEqual(['o-old', 'o-recent', null]);
    expect(together).toEqual(await alone(appid, queries));
  });

  test('for any followers and users, together answers as alone (property)', async () => {
    const unionids = ['u-0', 'u-1', 'u-2', 'u-3', 'u-4'];
    const followerArb = fc.record({
      unionid: fc.option(fc.constantFrom(...unionids), { nil: null }),
      subscribed: fc.boolean(),
      pending: fc.boolean(),
      age: fc.integer({ min: 0, max: 1_500 }),
    });
    const queryArb = fc.record({
      unionid: fc.constantFrom(...unionids, 'u-absent'),
      window: fc.constantFrom(60, 3_600, 86_400),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(followerArb, { maxLength: 12 }),
        // New followers whose lookups are pending, often enough to fill a page.
        fc.integer({ min: 0, max: 30 }),
        fc.array(queryArb, { minLength: 1, maxLength: 5 }),
        async (known, burst, asked) => {
          const appid = await accountWith((a) => [
            ...known.map((f, i) =>
              follower(a, `o-${i}`, {
                unionid: f.pending ? null : f.unionid,
                unionidPending: f.pending,
                subscribed: f.subscribed,
                // Distinct times: with ties, "the newest" would be either record.
                stateAt: NOW - f.age * 64 - i,
              }),
            ),
            ...pendingFollowers(a, burst, NOW - 3_000),
          ]);
          const queries = asked.map((q) => ({ unionid: q.unionid, pendingSince: NOW - q.window }));
          const together = await findFollowersForViews(t.deps, appid, queries);
          expect(together).toEqual(await alone(appid, queries));
        },
      ),
      { numRuns: 15 },
    );
  });
});

test('the grouped reader: concurrent reads of two accounts, one command each', async () => {
  const appA = await accountWith((a) => [follower(a, 'o-a', { unionid: 'u-x' })]);
  const appB = await accountWith((a) => [follower(a, 'o-b', { unionid: 'u-x' })]);
  const recorder = recordCommands(t, (c) => c.collection === 'oa_followers');
  const reads = createFollowerViewReads(t.deps);
  const answers = await Promise.all(
    [appA, appB, appA, appB].map((appid, i) =>
      reads({ appid, unionid: i < 2 ? 'u-x' : 'u-y', pendingSince: NOW - 60 }),
    ),
  );
  expect(recorder.stop().map((c) => c.name)).toEqual(['find', 'find']);
  expect(answers.map((a) => a.follower?.openid ?? null)).toEqual(['o-a', 'o-b', null, null]);
});
