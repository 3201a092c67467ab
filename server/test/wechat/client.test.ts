import pino from 'pino';
import { createMetrics } from '../../src/platform/metrics';
import { createWechatApis, type WechatApisOptions } from '../../src/wechat/apis';
import { WechatApiError } from '../../src/wechat/errors';
import type { MiniProgramApi, OfficialAccountApi, WechatApis } from '../../src/wechat/types';
import { startTestServer, type TestServer } from '../support/harness';

let t: TestServer;
let apis: WechatApis;
let mp: MiniProgramApi;
let oa: OfficialAccountApi;
const metrics = createMetrics({ defaultMetrics: false });
/** APIs against the harness's server config and database, with `options` on top. */
const apisWith = (
  options: Partial<Pick<WechatApisOptions, 'instanceId' | 'fetch' | 'timeoutMs'>>,
) =>
  createWechatApis({
    config: t.config,
    accessTokens: t.deps.models.AccessToken,
    clock: t.deps.clock,
    instanceId: 'client-test',
    metrics,
    logger: pino({ level: 'silent' }),
    ...options,
  });
beforeAll(async () => {
  t = await startTestServer({ sandboxOptions: { userGetPageSize: 3 } });
  apis = apisWith({ timeoutMs: 300, instanceId: 'client-test' });
  mp = apis.miniProgram;
  oa = apis.officialAccount(t.config.officialAccount.appid);
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.sandbox.clearFaults();
});

async function failure(promise: Promise<unknown>): Promise<WechatApiError> {
  const err = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WechatApiError);
  return err as WechatApiError;
}

describe('WeChat client', () => {
  it('code2Session returns openid, session_key and unionid when bound', async () => {
    const bound = t.sandbox.createUser();
    const result = await mp.code2Session(t.sandbox.mintLoginCode(bound));
    expect(result).toEqual({
      openid: bound.miniOpenid,
      sessionKey: t.sandbox.sessionKeyOf(bound),
      unionid: bound.unionid,
    });
    const unbound = t.sandbox.createUser({ unionid: null });
    expect(await mp.code2Session(t.sandbox.mintLoginCode(unbound))).not.toHaveProperty('unionid');
  });

  it.each([
    [40029, 'WECHAT_CODE_INVALID'],
    [40163, 'WECHAT_CODE_INVALID'],
    [40226, 'WECHAT_USER_BLOCKED'],
    [45011, 'RATE_LIMITED'],
    [-1, 'WECHAT_UNAVAILABLE'],
    [40013, 'SERVICE_UNAVAILABLE'],
  ])('maps code2Session errcode %i to %s and counts it', async (errcode, code) => {
    t.sandbox.injectFault('sns/jscode2session', { errcode, times: 1 });
    const err = await failure(mp.code2Session('any-code'));
    expect({ errcode: err.errcode, code: err.code, api: err.api }).toEqual({
      errcode,
      code,
      api: 'code2Session',
    });
    const counted = await metrics.wechatErrcodes.get();
    expect(
      counted.values.find((v) => v.labels.errcode === String(errcode))?.value,
    ).toBeGreaterThanOrEqual(1);
  });

  it('times out slow answers and dropped connections as transport failures (-2)', async () => {
    t.sandbox.injectFault('sns/jscode2session', { delayMs: 2000, times: 1 });
    const started = Date.now();
    const slow = await failure(mp.code2Session('slow'));
    expect(Date.now() - started).toBeLessThan(1500);
    expect({ errcode: slow.errcode, code: slow.code }).toEqual({
      errcode: -2,
      code: 'WECHAT_UNAVAILABLE',
    });
    t.sandbox.injectFault('sns/jscode2session', { drop: true, times: 1 });
    expect((await failure(mp.code2Session('drop'))).errcode).toBe(-2);
  });

  it('rejects answers that are not JSON or lack required fields', async () => {
    const html = apisWith({
      instanceId: 'x',
      fetch: () => Promise.resolve(new Response('<html>502 Bad Gateway</html>', { status: 502 })),
    });
    expect((await failure(html.miniProgram.code2Session('c'))).code).toBe('WECHAT_UNAVAILABLE');
    const partial = apisWith({
      instanceId: 'y',
      fetch: () => Promise.resolve(Response.json({ openid: 'o' })),
    });
    expect((await failure(partial.miniProgram.code2Session('c'))).errcode).toBe(-2);
  });

  it('checkSession: true for the current key, false (87009) for a replaced one', async () => {
    const user = t.sandbox.createUser();
    t.sandbox.mintLoginCode(user);
    const old = t.sandbox.sessionKeyOf(user);
    expect(await mp.checkSession(user.miniOpenid, old)).toBe(true);
    t.sandbox.mintLoginCode(user);
    expect(await mp.checkSession(user.miniOpenid, old)).toBe(false);
    expect(await mp.checkSession(user.miniOpenid, t.sandbox.sessionKeyOf(user))).toBe(true);
  });

  it('getPhoneNumber returns phone_info', async () => {
    const user = t.sandbox.createUser({ phone: '13700001111' });
    expect(await mp.getPhoneNumber(t.sandbox.mintPhoneCode(user), user.miniOpenid)).toEqual({
      phoneNumber: '13700001111',
      purePhoneNumber: '13700001111',
      countryCode: '86',
    });
  });

  it('follower info, batchget and paged user/get', async () => {
    const followers = t.sandbox.createFollowers(5);
    const stranger = t.sandbox.createUser();
    const info = await oa.getFollowerInfo(followers[0]!.oaOpenid);
    expect(info).toMatchObject({
      openid: followers[0]!.oaOpenid,
      subscribed: true,
      unionid: followers[0]!.unionid,
    });
    expect(info.subscribeTime).toEqual(expect.any(Number));
    expect((await oa.getFollowerInfo(stranger.oaOpenid)).subscribed).toBe(false);
    const batch = await oa.batchGetFollowerInfo(followers.map((f) => f.oaOpenid));
    expect(batch.map((f) => f.openid)).toEqual(followers.map((f) => f.oaOpenid));
    await expect(oa.batchGetFollowerInfo(Array(101).fill('o'))).rejects.toThrow(RangeError);
    expect((await failure(oa.getFollowerInfo('not-a-follower'))).code).toBe('NOT_FOUND');

    const seen: string[] = [];
    let next: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await oa.listFollowers(next);
      seen.push(...res.openids);
      if (res.nextOpenid === '') break;
      next = res.nextOpenid;
    }
    expect(new Set(seen)).toEqual(new Set(followers.map((f) => f.oaOpenid)));
  });

  it('exchangeOAuthCode marks snapshot users', async () => {
    const user = t.sandbox.createUser();
    expect(await oa.exchangeOAuthCode(t.sandbox.mintOAuthCode(user))).toMatchObject({
      openid: user.oaOpenid,
      isSnapshotUser: false,
    });
    expect(
      (await oa.exchangeOAuthCode(t.sandbox.mintOAuthCode(user, { snapshot: true })))
        .isSnapshotUser,
    ).toBe(true);
    expect((await failure(oa.exchangeOAuthCode('bad'))).code).toBe('WECHAT_CODE_INVALID');
  });

  it.each([
    [40243, 'frozen'],
    [61004, 'allow-list'],
    [40125, 'invalid'],
    [45009, 'daily access-token quota'],
  ])(
    'a token refusal that only configuration can fix (%i) is SERVICE_UNAVAILABLE, never a quota or an outage',
    async (errcode, hint) => {
      const fresh = apisWith({ instanceId: `token-fault-${errcode}` });
      await t.deps.models.AccessToken.deleteMany({});
      t.sandbox.injectFault('cgi-bin/stable_token', { errcode, times: 1 });
      const err = await failure(
        fresh.officialAccount(t.config.officialAccount.appid).getFollowerInfo('o'),
      );
      expect({ code: err.code, errcode: err.errcode, api: err.api }).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        errcode,
        api: 'stableToken',
      });
      expect(err.message).toContain(hint);
    },
  );
});
