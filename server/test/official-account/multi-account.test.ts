/**
 * Several official accounts in one deployment (OFFICIAL_ACCOUNTS_FILE): each
 * has its own push URL, Token and EncodingAESKey, access token and follower
 * import; the paths without `:appid` are the primary's.
 */
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';
import { syncFollowers } from '../../src/official-account/followers/import';
import { accountsFileEnv, startTestServer, type TestServer } from '../support/harness';
import { eventually, inboxSettled, postXml, signedPush } from './linkage-support';

let sandbox: Sandbox;
let t: TestServer;
let primary: string;
let second: string;

beforeAll(async () => {
  sandbox = await startSandbox({ officialAccounts: [{}, {}] });
  [primary, second] = sandbox.config.officialAccounts.map((a) => a.appid) as [string, string];
  t = await startTestServer({
    sandbox,
    env: accountsFileEnv(sandbox),
    // The import is driven by hand here: one account at a time.
    workers: { inbox: { pollIntervalMs: 50, backoffBaseMs: 50 }, followers: false },
  });
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
});

/** A subscribe push signed with account `appid`'s own credentials, sent to `path`. */
function pushFor(appid: string, openid: string, path: string) {
  const account = sandbox.config.officialAccounts.find((a) => a.appid === appid)!;
  const push = signedPush(
    {
      ToUserName: account.originalId,
      FromUserName: openid,
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'event',
      Event: 'subscribe',
      EventKey: '',
    },
    { token: account.token, appid, aesKey: account.encodingAesKey, mode: 'safe' },
  );
  return { ...push, path: push.path.replace('/wechat/official-account/events', path) };
}

test('the server serves both accounts, the first as the primary', () => {
  expect(t.config.officialAccounts.map((a) => a.appid)).toEqual([primary, second]);
  expect(t.config.officialAccount.appid).toBe(primary);
});

test("a push signed for account A is refused on account B's route, accepted on A's", async () => {
  const user = sandbox.createUser();
  const openidA = user.oaOpenids[primary]!;
  const toB = pushFor(primary, openidA, `/wechat/official-account/${second}/events`);
  expect(await postXml(t.url, toB)).toEqual({ status: 401, text: 'invalid signature' });
  const toA = pushFor(primary, openidA, `/wechat/official-account/${primary}/events`);
  expect(await postXml(t.url, toA)).toEqual({ status: 200, text: 'success' });
  // The path without :appid is the primary's.
  const bare = pushFor(second, 'oSomeoneOfB', '/wechat/official-account/events');
  expect((await postXml(t.url, bare)).status).toBe(401);
  expect(await t.deps.models.Inbox.countDocuments({ appid: second })).toBe(0);
  expect(await t.deps.models.Inbox.countDocuments({ appid: primary })).toBe(1);
});

test('an unknown appid is a 404 on every per-account route', async () => {
  for (const suffix of ['events', 'oauth', 'oauth/callback']) {
    const res = await t.raw('GET', `/wechat/official-account/wxnotconfigured00/${suffix}`);
    expect([suffix, res.status]).toEqual([suffix, 404]);
  }
});

test("following A only: A's follower recorded with A's appid, B untouched", async () => {
  const user = sandbox.createUser();
  sandbox.setPushTarget(
    { url: `${t.url}/wechat/official-account/${primary}/events`, mode: 'safe' },
    primary,
  );
  sandbox.setPushTarget(
    { url: `${t.url}/wechat/official-account/${second}/events`, mode: 'safe' },
    second,
  );
  const delivered = await sandbox.follow(user, { appid: primary });
  expect(delivered?.delivered).toBe(true);
  await inboxSettled(t.deps);
  const followers = await eventually(async () => {
    const list = await t.deps.models.Follower.find({ unionid: user.unionid }).lean();
    return list.length > 0 ? list : undefined;
  });
  expect(followers.map((f) => f.appid)).toEqual([primary]);
});

test('each account has its own access token and its own follower import', async () => {
  sandbox.createFollowers(3, { appid: second });
  const result = await syncFollowers(t.deps, { appid: second, restart: true });
  expect(result.status).toBe('completed');
  const stored = await t.deps.models.Follower.find({ appid: second }).lean();
  expect(stored.length).toBeGreaterThanOrEqual(3);
  const cursors = (await t.deps.models.SyncCursor.find({}).lean()).map((c) => c.name);
  expect(cursors).toContain(`followers:${second}`);
  expect(cursors).not.toContain(`followers:${primary}`);
  const tokens = await t.deps.models.AccessToken.find({}).lean();
  const byAppid = new Map(tokens.map((r) => [r.appid, r.token]));
  expect(byAppid.get(second)).toEqual(expect.any(String));
  expect(byAppid.get(primary)).toEqual(expect.any(String)); // fetched for A's user/info
  expect(byAppid.get(primary)).not.toBe(byAppid.get(second));
});
