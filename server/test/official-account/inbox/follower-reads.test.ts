/**
 * How often handling one push touches its follower's document. Every write
 * is guarded by the version it read (followers/store.ts), so the document
 * the write produced is as good as a fresh read for the next step (the
 * linkage settle, the unionid write after user/info): a lost race shows up
 * as a guard that matches nothing, and only then is the follower read again.
 * Counted through the driver's command monitoring (the connection has
 * monitorCommands on: the MongoDB guard needs it in tests); only commands
 * naming this follower (its openid or its _id) count, so the background
 * loops' own queries do not.
 */
import type { LinkageEventType } from '@wxlink/contracts';
import {
  applyChangeToFollower,
  applyEventToFollower,
} from '../../../src/official-account/followers/store';
import { recordCommands } from '../../support/commands';
import { startTestServer, type TestServer } from '../../support/harness';
import { EVENTS_PATH, FAST_WORKERS, eventually, inboxSettled } from '../linkage-support';

let t: TestServer;
beforeAll(async () => {
  // No background follower import: it would write these followers too.
  t = await startTestServer({ workers: { ...FAST_WORKERS, followers: false } });
  t.sandbox.setPushTarget({ url: t.url + EVENTS_PATH, mode: 'safe' });
});
afterAll(() => t.close());

/** Marks this test's own reads, which are not the push's. */
const PROBE = 'follower-reads probe';

/** Records the commands on oa_followers between start and stop(). */
function recordFollowerCommands() {
  const recorder = recordCommands(
    t,
    // This test's own polling is marked with PROBE.
    (c) => c.collection === 'oa_followers' && c.document.comment !== PROBE,
  );
  return {
    /** The command names that named the follower `openid`, sorted. */
    async stop(openid: string): Promise<string[]> {
      const seen = recorder.stop();
      const doc = await t.deps.models.Follower.findOne({ openid }).comment(PROBE).lean();
      const id = doc === null ? openid : doc._id.toHexString();
      return seen
        .filter((c) => c.body.includes(openid) || c.body.includes(id))
        .map((c) => c.name)
        .sort();
    },
  };
}

/** Waits until the follower's linkage event of `type` is stored and nothing is left to process. */
async function settled(openid: string, userId: string, type: LinkageEventType): Promise<void> {
  await inboxSettled(t.deps);
  await eventually(async () => {
    const follower = await t.deps.models.Follower.findOne({ openid }).comment(PROBE).lean();
    const event = await t.deps.models.LinkageOutbox.findOne({ userId, type }).lean();
    return follower?.linkagePending === false && event !== null;
  });
}

test('a subscribe push of a user who logged in reads the follower once', async () => {
  const user = t.sandbox.createUser();
  const userId = (await t.login(user)).body.user.id as string;
  const recorder = recordFollowerCommands();
  expect((await t.sandbox.follow(user))?.delivered).toBe(true);
  await settled(user.oaOpenid, userId, 'user.followed');
  const commands = await recorder.stop(user.oaOpenid);

  expect(commands).toEqual([
    'find', // the state before the follow (nothing: a new follower)
    'insert', // the follow, unionid pending
    'update', // linkage settled (nobody to link yet)
    'update', // the unionid from user/info, guarded by the version written above
    'update', // linkage settled: user.followed
  ]);
  // Nothing was skipped: the record is complete and linked.
  expect(await t.deps.models.Follower.findOne({ openid: user.oaOpenid }).lean()).toMatchObject({
    subscribed: true,
    unionid: user.unionid,
    unionidPending: false,
    linkage: 'followed',
    linkedUserId: userId,
    linkagePending: false,
    version: 4,
  });
  expect(await t.deps.models.LinkageOutbox.countDocuments({ userId })).toBe(1);
});

test('an unsubscribe push reads the follower once', async () => {
  const user = t.sandbox.createUser();
  const userId = (await t.login(user)).body.user.id as string;
  await t.sandbox.follow(user);
  await settled(user.oaOpenid, userId, 'user.followed');

  const recorder = recordFollowerCommands();
  expect((await t.sandbox.unfollow(user))?.delivered).toBe(true);
  await settled(user.oaOpenid, userId, 'user.unfollowed');
  const commands = await recorder.stop(user.oaOpenid);

  expect(commands).toEqual([
    'find', // the state before the unfollow
    'update', // the tombstone (erase retention)
    'update', // linkage settled: user.unfollowed
  ]);
  expect(await t.deps.models.Follower.findOne({ openid: user.oaOpenid }).lean()).toMatchObject({
    subscribed: false,
    unionid: null,
    linkage: null,
    linkedUserId: null,
    linkagePending: false,
  });
});

describe('a document known from an earlier write', () => {
  const subscribe = (at: number, unionid?: string) => ({
    kind: 'subscribe' as const,
    at,
    scene: null,
    ...(unionid === undefined ? {} : { unionid }),
  });
  const lookedUp = { source: 'event' as const, lookedUp: true };

  test('that went stale is read again: the newer state wins, no write is lost', async () => {
    const ref = { appid: t.config.officialAccount.appid, openid: 'o-stale-write' };
    const first = await applyChangeToFollower(t.deps, ref, subscribe(100), 'event');
    // Another instance records the unfollow while this one asks user/info.
    await applyEventToFollower(t.deps, ref, { kind: 'unsubscribe', at: 200 }, 'event');
    const recorder = recordFollowerCommands();
    const after = await applyChangeToFollower(
      t.deps,
      ref,
      subscribe(100, 'u-stale'),
      lookedUp,
      first.stored,
    );
    // The guarded write matches nothing, the follower is read, the older follow changes nothing.
    expect(await recorder.stop(ref.openid)).toEqual(['find', 'update']);
    expect(after.record).toMatchObject({ subscribed: false, stateAt: 200, unionid: null });
    expect(await t.deps.models.Follower.findOne(ref).lean()).toMatchObject({
      subscribed: false,
      stateAt: 200,
      unionid: null,
      linkagePending: false,
    });
  });

  test('that says nothing changed is read to be sure', async () => {
    const ref = { appid: t.config.officialAccount.appid, openid: 'o-stale-same' };
    const first = await applyChangeToFollower(t.deps, ref, subscribe(100, 'u-same'), lookedUp);
    await applyEventToFollower(t.deps, ref, { kind: 'unsubscribe', at: 200 }, 'event');
    // Against `first.stored` this change is a no-op; against the follower it is not.
    const after = await applyChangeToFollower(
      t.deps,
      ref,
      subscribe(100, 'u-same'),
      lookedUp,
      first.stored,
    );
    expect(after.record).toMatchObject({ subscribed: false, stateAt: 200 });
    expect(after.stored).toMatchObject({ subscribed: false, stateAt: 200 });
  });
});
