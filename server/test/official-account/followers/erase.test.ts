/**
 * FOLLOWER_RETENTION=erase (the default), honest status, SCAN, and WeChat's
 * real answers for someone who already unfollowed.
 */
import { syncFollowers } from '../../../src/official-account/followers/import';
import { runMaintenance } from '../../../src/official-account/followers/maintenance';
import { metricSum } from '../../support/cluster';
import { startTestServer, type TestServer } from '../../support/harness';
import {
  EVENTS_PATH,
  FAST_WORKERS,
  eventually,
  followPush,
  followerOf,
  inboxSettled,
  postXml,
} from '../linkage-support';

/** A clock the test can move forward (7 days for the tombstone). */
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ workers: FAST_WORKERS, clock });
  server.sandbox.setPushTarget({ url: server.url + EVENTS_PATH, mode: 'safe' });
});
afterAll(() => server.close());
afterEach(() => {
  offsetMs = 0;
});

const statusOf = async (token: string): Promise<string> =>
  (await server.api('GET', '/api/v1/me/subscription', undefined, token)).body.status as string;

test('erase: follow then unfollow leaves only the tombstone; late older subscribe changes nothing; gone after 7 days', async () => {
  const user = server.sandbox.createUser();
  const { token } = await server.login(user);
  const followAt = Math.floor(Date.now() / 1000) - 120;
  await server.sandbox.follow(user, { at: followAt, scene: 'poster7' });
  await eventually(async () => (await statusOf(token)) === 'subscribed');
  await server.sandbox.unfollow(user, { at: followAt + 60 });
  await eventually(async () => (await statusOf(token)) === 'never', 10_000, 'never');
  await inboxSettled(server.deps);

  const docs = await server.deps.models.Follower.find({ openid: user.oaOpenid }).lean();
  expect(docs).toHaveLength(1);
  expect(docs[0]).toMatchObject({
    subscribed: false,
    stateAt: followAt + 60,
    unsubscribedAt: followAt + 60,
    unionid: null,
    scene: null,
    subscribedAt: null,
    linkedUserId: null,
  });
  expect(await server.deps.models.Inbox.countDocuments({ openid: user.oaOpenid })).toBe(0);
  // Counted for operators: the follow's entry and the unfollow's own.
  const metrics = await server.deps.metrics.registry.metrics();
  expect(metricSum(metrics, 'oa_pruned_total', { what: 'inbox_unfollowed' })).toBe(2);

  // WeChat retries the old subscribe late: it is older than the tombstone.
  const late = await postXml(
    server.url,
    followPush(server.sandbox, user.oaOpenid, 'subscribe', followAt),
  );
  expect(late).toEqual({ status: 200, text: 'success' });
  await inboxSettled(server.deps);
  expect(await followerOf(server.deps, user.oaOpenid)).toMatchObject({
    subscribed: false,
    unionid: null,
    stateAt: followAt + 60,
  });
  expect(await statusOf(token)).toBe('never');

  // Six days on it still orders events; past seven days the sweep deletes it.
  offsetMs = 6 * 86_400_000;
  await runMaintenance(server.deps);
  expect(await server.deps.models.Follower.countDocuments({ openid: user.oaOpenid })).toBe(1);
  offsetMs = 7 * 86_400_000 + 1000;
  await runMaintenance(server.deps);
  expect(await server.deps.models.Follower.countDocuments({ openid: user.oaOpenid })).toBe(0);
});

test('subscribe then unsubscribe before processing: user/info has no unionid; consistent, no dead letters', async () => {
  const user = server.sandbox.createUser();
  const at = Math.floor(Date.now() / 1000) - 30;
  // WeChat's own state: followed and unfollowed again, both pushes still to be processed.
  await server.sandbox.follow(user, { at, push: false });
  await server.sandbox.unfollow(user, { at: at + 1, push: false });
  const info = await server.officialAccountApi().getFollowerInfo(user.oaOpenid);
  expect(info.unionid).toBeUndefined(); // WeChat: "拉取不到其余信息"

  for (const [event, t] of [
    ['subscribe', at],
    ['unsubscribe', at + 1],
  ] as const) {
    expect(
      (await postXml(server.url, followPush(server.sandbox, user.oaOpenid, event, t))).text,
    ).toBe('success');
  }
  await inboxSettled(server.deps);
  expect(await followerOf(server.deps, user.oaOpenid)).toMatchObject({
    subscribed: false,
    unionid: null,
    stateAt: at + 1,
  });
  expect(
    await server.deps.models.Inbox.countDocuments({ status: 'dead', openid: user.oaOpenid }),
  ).toBe(0);
  expect(await server.deps.models.Inbox.countDocuments({ openid: user.oaOpenid })).toBe(0);
});

test('SCAN from a follower whose subscribe was lost: subscribed, with the scene and unionid', async () => {
  const user = server.sandbox.createUser();
  const { token } = await server.login(user);
  await server.sandbox.follow(user, { push: false }); // the subscribe push never arrived
  const scan = await server.sandbox.follow(user, { scene: 'poster9' });
  expect(scan?.delivered).toBe(true);
  const follower = await eventually(async () => {
    const f = await followerOf(server.deps, user.oaOpenid);
    return f?.unionid ? f : undefined;
  });
  expect(follower).toMatchObject({ subscribed: true, scene: 'poster9', unionid: user.unionid });
  expect(await statusOf(token)).toBe('subscribed');
  const item = await server.deps.models.Inbox.findOne({ openid: user.oaOpenid }).lean();
  expect(item?.type).toBe('scan');
});

test('reconciliation: an unfollow WeChat never delivered becomes never after one run', async () => {
  const user = server.sandbox.createUser();
  const { token } = await server.login(user);
  // Followed before the run starts (a follow in the run's own second is left alone: it may be newer than the list).
  const at = Math.floor(Date.now() / 1000) - 10;
  await server.sandbox.follow(user, { at });
  await eventually(async () => (await statusOf(token)) === 'subscribed');
  await server.sandbox.unfollow(user, { at: at + 1, push: false });
  expect(await statusOf(token)).toBe('subscribed'); // the server cannot know yet

  const run = await syncFollowers(server.deps, { owner: 'test-run' });
  expect(run).toMatchObject({ status: 'completed', unfollowed: 1 });
  expect(await statusOf(token)).toBe('never');
  expect(await followerOf(server.deps, user.oaOpenid)).toMatchObject({
    subscribed: false,
    unionid: null,
  });
});

test('switching from keep to erase: the sweep erases a kept unfollower even when only its follow time is left', async () => {
  const appid = server.config.officialAccount.appid;
  const now = new Date();
  // Kept under `keep` after an unfollow, its unionid lookup never answered: no unionid, no scene.
  await server.deps.models.Follower.create({
    appid,
    openid: 'oKeptNoUnionid',
    unionid: null,
    subscribed: false,
    stateAt: 1_700_000_200,
    subscribedAt: 1_700_000_100,
    unsubscribedAt: 1_700_000_200,
    scene: null,
    version: 3,
    source: 'event',
    createdAt: now,
    updatedAt: now,
  });
  await runMaintenance(server.deps);
  expect(await followerOf(server.deps, 'oKeptNoUnionid')).toMatchObject({
    subscribed: false,
    unionid: null,
    scene: null,
    subscribedAt: null,
    unsubscribedAt: 1_700_000_200,
  });
});
