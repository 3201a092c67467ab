import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(() => t.sandbox.close());

describe('wxa/business/getuserphonenumber', () => {
  async function phone(code: string, extra: Record<string, unknown> = {}) {
    return t.post(
      '/wxa/business/getuserphonenumber',
      { code, ...extra },
      { access_token: await t.mpToken() },
    );
  }

  it('exchanges a phone code for phone_info with a watermark', async () => {
    const user = t.sandbox.createUser({ phone: '13800138000' });
    const r = await phone(t.sandbox.mintPhoneCode(user));
    expect(r).toEqual({
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: '13800138000',
        purePhoneNumber: '13800138000',
        countryCode: '86',
        watermark: { timestamp: t.clock.seconds(), appid: t.sandbox.config.miniProgram.appid },
      },
    });
  });

  it('puts the country code in phoneNumber for foreign numbers', async () => {
    const user = t.sandbox.createUser({ phone: '61234567', countryCode: '852' });
    const info = (await phone(t.sandbox.mintPhoneCode(user))).phone_info as Record<string, unknown>;
    expect([info.phoneNumber, info.purePhoneNumber, info.countryCode]).toEqual([
      '+85261234567',
      '61234567',
      '852',
    ]);
  });

  it('codes are single-use, expire after 5 minutes, and must match a given openid', async () => {
    const user = t.sandbox.createUser();
    const code = t.sandbox.mintPhoneCode(user);
    expect((await phone(code, { openid: 'oSomeoneElse' })).errcode).toBe(40029);
    expect((await phone(code, { openid: user.miniOpenid })).errcode).toBe(0);
    expect((await phone(code)).errcode).toBe(40029);
    const late = t.sandbox.mintPhoneCode(user);
    t.clock.advance(5 * 60 * 1000);
    expect((await phone(late)).errcode).toBe(40029);
    expect((await phone('')).errcode).toBe(41008);
    // A login code is not a phone code.
    expect((await phone(t.sandbox.mintLoginCode(user))).errcode).toBe(40029);
  });

  it('spends quota when the code is minted (the button succeeding), not at the exchange', async () => {
    const user = t.sandbox.createUser();
    t.sandbox.setPhoneQuota(2);
    const a = t.sandbox.mintPhoneCode(user);
    const b = t.sandbox.mintPhoneCode(user);
    // The quota is gone although no code was exchanged yet: the button fails.
    expect(() => t.sandbox.mintPhoneCode(user)).toThrow(
      expect.objectContaining({ code: 'PHONE_QUOTA_EXHAUSTED', errno: 1400001 }),
    );
    // Codes minted while quota remained still exchange.
    expect((await phone(a)).errcode).toBe(0);
    expect((await phone(b)).errcode).toBe(0);
    t.sandbox.setPhoneQuota(Infinity);
    expect((await phone(t.sandbox.mintPhoneCode(user))).errcode).toBe(0);
  });

  it('refuses a code minted for another user than the openid in the body (40029)', async () => {
    const alice = t.sandbox.createUser();
    const bob = t.sandbox.createUser();
    const code = t.sandbox.mintPhoneCode(alice);
    expect((await phone(code, { openid: bob.miniOpenid })).errcode).toBe(40029);
    expect((await phone(code, { openid: alice.miniOpenid })).phone_info).toBeDefined();
  });
});

describe('sns/oauth2/access_token', () => {
  function exchange(code: string, overrides: Record<string, string> = {}) {
    const { appid, secret } = t.sandbox.config.officialAccount;
    return t.get('/sns/oauth2/access_token', {
      appid,
      secret,
      code,
      grant_type: 'authorization_code',
      ...overrides,
    });
  }

  it('snsapi_base gives the official-account openid (no unionid, per the docs)', async () => {
    const user = t.sandbox.createUser();
    const r = await exchange(t.sandbox.mintOAuthCode(user));
    expect(r).toMatchObject({ openid: user.oaOpenid, scope: 'snsapi_base', expires_in: 7200 });
    expect(typeof r.access_token).toBe('string');
    expect(typeof r.refresh_token).toBe('string');
    expect(r).not.toHaveProperty('unionid');
    expect(r).not.toHaveProperty('is_snapshotuser');
  });

  it('snsapi_userinfo adds the unionid when bound', async () => {
    const bound = t.sandbox.createUser();
    const unbound = t.sandbox.createUser({ unionid: null });
    const a = await exchange(t.sandbox.mintOAuthCode(bound, { scope: 'snsapi_userinfo' }));
    const b = await exchange(t.sandbox.mintOAuthCode(unbound, { scope: 'snsapi_userinfo' }));
    expect(a.unionid).toBe(bound.unionid);
    expect(b).not.toHaveProperty('unionid');
  });

  it('snapshot pages give a virtual account (is_snapshotuser: 1), only under snsapi_userinfo', async () => {
    const user = t.sandbox.createUser();
    const r = await exchange(t.sandbox.mintOAuthCode(user, { snapshot: true }));
    expect(r.scope).toBe('snsapi_userinfo');
    expect(r.is_snapshotuser).toBe(1);
    expect(r.openid).not.toBe(user.oaOpenid);
    // "openId、unionId 均为虚拟账号数据"
    expect(typeof r.unionid).toBe('string');
    expect(r.unionid).not.toBe(user.unionid);
    expect(() => t.sandbox.mintOAuthCode(user, { snapshot: true, scope: 'snsapi_base' })).toThrow(
      /snsapi_userinfo/,
    );
    const base = await exchange(t.sandbox.mintOAuthCode(user, { scope: 'snsapi_base' }));
    expect(base).not.toHaveProperty('is_snapshotuser');
  });

  it('answers 40029 / 40163 / 40013 / 40125 as documented', async () => {
    const user = t.sandbox.createUser();
    const code = t.sandbox.mintOAuthCode(user);
    expect((await exchange('nope')).errcode).toBe(40029);
    expect((await exchange(code, { appid: t.sandbox.config.miniProgram.appid })).errcode).toBe(
      40013,
    );
    expect((await exchange(code, { secret: 'x' })).errcode).toBe(40125);
    expect((await exchange(code)).openid).toBe(user.oaOpenid);
    expect((await exchange(code)).errcode).toBe(40163);
    const late = t.sandbox.mintOAuthCode(user);
    t.clock.advance(5 * 60 * 1000);
    expect((await exchange(late)).errcode).toBe(40029);
  });
});
