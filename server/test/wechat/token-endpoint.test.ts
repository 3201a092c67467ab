import { ConfigError, loadConfig } from '../../src/config';
import { WechatApiError } from '../../src/wechat/errors';
import { startTestServer, sandboxEnv, type TestServer } from '../support/harness';

/** WECHAT_ACCESS_TOKEN_ENDPOINT: which WeChat route the broker gets tokens from, over real HTTP. */
const tokenCalls = (t: TestServer) => {
  const calls = t.sandbox.stats().calls;
  return { classic: calls['cgi-bin/token'] ?? 0, stable: calls['cgi-bin/stable_token'] ?? 0 };
};
const oaIssued = (t: TestServer) =>
  t.sandbox.stats().tokensIssued[t.config.officialAccount.appid] ?? 0;

describe('WECHAT_ACCESS_TOKEN_ENDPOINT=classic', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { WECHAT_ACCESS_TOKEN_ENDPOINT: 'classic' } });
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    t.sandbox.clearFaults();
  });

  it('gets tokens from GET cgi-bin/token, shares one among concurrent calls and refreshes once on 40001', async () => {
    expect(t.config.wechatAccessTokenEndpoint).toBe('classic');
    const [follower] = t.sandbox.createFollowers(1);
    const burst = () =>
      Promise.all(
        Array.from({ length: 20 }, () =>
          t.officialAccountApi().getFollowerInfo(follower!.oaOpenid),
        ),
      );

    expect((await burst()).every((f) => f.subscribed)).toBe(true);
    expect(tokenCalls(t)).toEqual({ classic: 1, stable: 0 });
    expect(oaIssued(t)).toBe(1);

    t.sandbox.invalidateAccessToken(t.config.officialAccount.appid);
    expect((await burst()).every((f) => f.subscribed)).toBe(true);
    // One refresh for 20 rejected calls, still on the classic route.
    expect(tokenCalls(t)).toEqual({ classic: 2, stable: 0 });
    const stored = await t.deps.models.AccessToken.findOne({
      appid: t.config.officialAccount.appid,
    }).lean();
    expect(stored!.version).toBe(2);
  });

  it('names the classic API in a failed refresh', async () => {
    // No mini-program token yet: getPhoneNumber must fetch one, and that fails.
    t.sandbox.injectFault('cgi-bin/token', { errcode: 40164, times: 1 });
    const err = await t.deps.wechat.miniProgram.getPhoneNumber('any-code', 'any-openid').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WechatApiError);
    expect(err).toMatchObject({ api: 'token', errcode: 40164, code: 'SERVICE_UNAVAILABLE' });
    expect(tokenCalls(t).stable).toBe(0);
  });
});

describe('WECHAT_ACCESS_TOKEN_ENDPOINT default', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gets tokens from POST cgi-bin/stable_token', async () => {
    expect(t.config.wechatAccessTokenEndpoint).toBe('stable');
    const [follower] = t.sandbox.createFollowers(1);
    await t.officialAccountApi().getFollowerInfo(follower!.oaOpenid);
    t.sandbox.invalidateAccessToken(t.config.officialAccount.appid);
    await t.officialAccountApi().getFollowerInfo(follower!.oaOpenid);
    const calls = tokenCalls(t);
    expect(calls.classic).toBe(0);
    // The refresh after 40001 may take a normal and a force_refresh call.
    expect(calls.stable).toBeGreaterThanOrEqual(2);
    expect(oaIssued(t)).toBe(2);
  });

  it('fails config for any other value, one line naming the variable', async () => {
    const env = { ...sandboxEnv(t.sandbox), WECHAT_ACCESS_TOKEN_ENDPOINT: 'stable_token' };
    let problems: readonly string[] = [];
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual(['WECHAT_ACCESS_TOKEN_ENDPOINT must be stable or classic']);
    await expect(
      startTestServer({ sandbox: t.sandbox, env: { WECHAT_ACCESS_TOKEN_ENDPOINT: 'Classic' } }),
    ).rejects.toBeInstanceOf(ConfigError);
    // Surrounding spaces and an empty value are accepted (empty = the default).
    expect(loadConfig({ ...env, WECHAT_ACCESS_TOKEN_ENDPOINT: ' classic ' })).toMatchObject({
      wechatAccessTokenEndpoint: 'classic',
    });
    expect(loadConfig({ ...env, WECHAT_ACCESS_TOKEN_ENDPOINT: '' })).toMatchObject({
      wechatAccessTokenEndpoint: 'stable',
    });
  });
});
