import { startTestServer, type TestServer } from '../support/harness';
import { WechatApiError } from '../../src/wechat/errors';

/** Two server instances (separate apps, brokers and caches) on one database and one WeChat. */
let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({ sandbox: a.sandbox, dbName: a.dbName });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});
afterEach(() => {
  a.sandbox.clearFaults();
});

const oaIssued = () => a.sandbox.stats().tokensIssued[a.config.officialAccount.appid] ?? 0;
const mpIssued = () => a.sandbox.stats().tokensIssued[a.config.miniProgram.appid] ?? 0;

describe('access-token broker across instances', () => {
  it('100 concurrent calls on two instances → one token; after a 40001 invalidation → exactly one more', async () => {
    const followers = a.sandbox.createFollowers(4);
    const openid = (i: number) => followers[i % followers.length]!.oaOpenid;
    const burst = () =>
      Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 === 0 ? a : b).officialAccountApi().getFollowerInfo(openid(i)),
        ),
      );

    expect(oaIssued()).toBe(0);
    const first = await burst();
    expect(first.every((f) => f.subscribed)).toBe(true);
    expect(oaIssued()).toBe(1);
    const stored = await a.deps.models.AccessToken.findOne({
      appid: a.config.officialAccount.appid,
    }).lean();
    expect(stored!.version).toBe(1);
    expect(stored!.leaseOwner).toBeNull();

    a.sandbox.invalidateAccessToken(a.config.officialAccount.appid);
    const second = await burst();
    expect(second).toHaveLength(100);
    expect(oaIssued()).toBe(2);

    // Both instances now use the new token without asking again.
    await burst();
    expect(oaIssued()).toBe(2);
    // The mini-program's token is a separate one, untouched so far.
    expect(mpIssued()).toBe(0);
  });

  it('an instance whose cached token was replaced elsewhere does not refresh again', async () => {
    const [follower] = a.sandbox.createFollowers(1);
    await a.officialAccountApi().getFollowerInfo(follower!.oaOpenid);
    await b.officialAccountApi().getFollowerInfo(follower!.oaOpenid);
    const before = oaIssued();
    a.sandbox.invalidateAccessToken(a.config.officialAccount.appid);
    await a.officialAccountApi().getFollowerInfo(follower!.oaOpenid); // a refreshes
    expect(oaIssued()).toBe(before + 1);
    await b.officialAccountApi().getFollowerInfo(follower!.oaOpenid); // b: 40001, finds a's token in the record
    expect(oaIssued()).toBe(before + 1);
  });

  it('waits out a lease left behind by a crashed holder, then refreshes once', async () => {
    const appid = a.config.miniProgram.appid;
    const leaseUntil = new Date(Date.now() + 400);
    await a.deps.models.AccessToken.create({
      appid,
      token: null,
      expiresAt: null,
      version: 0,
      leaseOwner: 'crashed-instance',
      leaseUntil,
    });
    const user = a.sandbox.createUser();
    await a.login(user);
    const key = a.sandbox.sessionKeyOf(user);
    const results = await Promise.all([
      a.deps.wechat.miniProgram.checkSession(user.miniOpenid, key),
      b.deps.wechat.miniProgram.checkSession(user.miniOpenid, key),
    ]);
    expect(results).toEqual([true, true]);
    // Nobody refreshed while the crashed holder's lease was still running.
    expect(Date.now()).toBeGreaterThanOrEqual(leaseUntil.getTime());
    expect(mpIssued()).toBe(1);
  });

  it('releases the lease when the refresh fails, so the next call can refresh at once', async () => {
    const appid = a.config.officialAccount.appid;
    await a.deps.models.AccessToken.updateOne(
      { appid },
      { $set: { token: null, expiresAt: null } },
    );
    // Fresh instance: no in-process cache.
    const c = await startTestServer({ sandbox: a.sandbox, dbName: a.dbName });
    try {
      const [follower] = a.sandbox.createFollowers(1);
      a.sandbox.injectFault('cgi-bin/stable_token', { errcode: -1, times: 1 });
      const failed = await c
        .officialAccountApi()
        .getFollowerInfo(follower!.oaOpenid)
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(WechatApiError);
      expect((failed as WechatApiError).code).toBe('WECHAT_UNAVAILABLE');
      const record = await a.deps.models.AccessToken.findOne({ appid }).lean();
      expect(record!.leaseOwner).toBeNull();
      const started = Date.now();
      await expect(
        c.officialAccountApi().getFollowerInfo(follower!.oaOpenid),
      ).resolves.toMatchObject({
        subscribed: true,
      });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await c.close();
    }
  });

  it('does not retry more than once when the fresh token is rejected too', async () => {
    const [follower] = a.sandbox.createFollowers(1);
    await a.officialAccountApi().getFollowerInfo(follower!.oaOpenid);
    const before = a.sandbox.stats().calls['cgi-bin/user/info'] ?? 0;
    a.sandbox.injectFault('cgi-bin/user/info', { errcode: 40001 });
    const err = await a
      .officialAccountApi()
      .getFollowerInfo(follower!.oaOpenid)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WechatApiError);
    expect((err as WechatApiError).errcode).toBe(40001);
    expect((a.sandbox.stats().calls['cgi-bin/user/info'] ?? 0) - before).toBe(2);
  });
});
