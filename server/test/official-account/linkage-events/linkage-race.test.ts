/**
 * A follow whose linkage event was stored but not recorded on the follower
 * (an unfollow changed the follower between the two) must still be followed
 * by `user.unfollowed`: the consumer heard `user.followed`.
 */
import type { StoredFollower } from '../../../src/official-account/followers/follower.model';
import { applyEventToFollower } from '../../../src/official-account/followers/store';
import { settleLinkage } from '../../../src/official-account/linkage-events/derive';
import { startTestServer, type TestServer } from '../../support/harness';
import { FAST_WORKERS } from '../linkage-support';

let t: TestServer;
beforeAll(async () => {
  // No inbox processing or import: this test settles by hand.
  t = await startTestServer({ workers: { ...FAST_WORKERS, followers: false } });
});
afterAll(() => t.close());

test('an unfollow landing between the event and its record still gets user.unfollowed', async () => {
  const sandboxUser = t.sandbox.createUser();
  const userId = (await t.login(sandboxUser)).body.user.id as string;
  const unionid = sandboxUser.unionid!;
  const ref = { appid: t.config.officialAccount.appid, openid: 'o-race-unfollow' };
  // The follow as this instance's own write stored it: subscribed, its event still owed.
  const now = new Date();
  await t.deps.models.Follower.create({
    ...ref,
    unionid,
    subscribed: true,
    stateAt: 100,
    subscribedAt: 100,
    version: 1,
    source: 'event',
    linkagePending: true,
    createdAt: now,
    updatedAt: now,
  });
  const followed = await t.deps.models.Follower.findOne(ref).lean<StoredFollower>();
  // Another instance records the unfollow (and settles it: nothing was linked yet).
  await applyEventToFollower(t.deps, ref, { kind: 'unsubscribe', at: 200 }, 'event');
  expect(await t.deps.models.LinkageOutbox.countDocuments({ appid: ref.appid })).toBe(0);

  // This instance settles the follow it knows: user.followed goes out, its record loses the race.
  await settleLinkage(t.deps, ref, false, followed);

  const events = await t.deps.models.LinkageOutbox.find({ appid: ref.appid, userId })
    .sort({ at: 1 })
    .lean();
  expect(events.map((e) => e.type)).toEqual(['user.followed', 'user.unfollowed']);
  expect(await t.deps.models.Follower.findOne(ref).lean()).toMatchObject({
    subscribed: false,
    linkage: null,
    linkedUserId: null,
    linkagePending: false,
  });
  // Settling again changes nothing: one event per change.
  await settleLinkage(t.deps, ref, true);
  expect(await t.deps.models.LinkageOutbox.countDocuments({ appid: ref.appid, userId })).toBe(2);
});
