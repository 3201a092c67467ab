import { createHmac } from 'node:crypto';
import { SandboxError } from '../src';
import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(() => t.sandbox.close());

const hmac = (key: string) => createHmac('sha256', key).update('').digest('hex');

describe('sns/jscode2session', () => {
  it('exchanges a login code for openid, session_key and unionid', async () => {
    const user = t.sandbox.createUser();
    const code = t.sandbox.mintLoginCode(user);
    const r = await t.login(code);
    expect(r).toEqual({
      openid: user.miniOpenid,
      session_key: t.sandbox.sessionKeyOf(user),
      unionid: user.unionid,
    });
    expect(Buffer.from(r.session_key as string, 'base64')).toHaveLength(16);
  });

  it('serverEnv() is everything a server needs to log a user in against it', async () => {
    const env = t.sandbox.serverEnv();
    expect(env.WECHAT_API_BASE).toBe(t.sandbox.url);
    expect(env.OFFICIAL_ACCOUNT_AES_KEY).toMatch(/^[A-Za-z0-9+/]{43}$/);
    const user = t.sandbox.createUser();
    const query = new URLSearchParams({
      appid: env.MINIPROGRAM_APPID!,
      secret: env.MINIPROGRAM_SECRET!,
      js_code: t.sandbox.mintLoginCode(user),
      grant_type: 'authorization_code',
    });
    const res = await fetch(`${env.WECHAT_API_BASE}/sns/jscode2session?${query.toString()}`);
    expect(((await res.json()) as { openid?: string }).openid).toBe(user.miniOpenid);
    const { officialAccount } = t.sandbox.config;
    expect(env).toMatchObject({
      OFFICIAL_ACCOUNT_APPID: officialAccount.appid,
      OFFICIAL_ACCOUNT_SECRET: officialAccount.secret,
      OFFICIAL_ACCOUNT_TOKEN: officialAccount.token,
    });
  });

  it('omits unionid for a user not bound to the open platform', async () => {
    const user = t.sandbox.createUser({ unionid: null });
    const r = await t.login(t.sandbox.mintLoginCode(user));
    expect(r.openid).toBe(user.miniOpenid);
    expect(r).not.toHaveProperty('unionid');
  });

  it('answers 40029 for an unknown code and 40163 for a used one', async () => {
    expect((await t.login('nonsense')).errcode).toBe(40029);
    const code = t.sandbox.mintLoginCode(t.sandbox.createUser());
    expect((await t.login(code)).openid).toBeDefined();
    const again = await t.login(code);
    expect(again.errcode).toBe(40163);
    expect(again.errmsg).toMatch(/^code been used, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  });

  it('expires codes after 5 minutes (injected clock)', async () => {
    const user = t.sandbox.createUser();
    const fresh = t.sandbox.mintLoginCode(user);
    t.clock.advance(5 * 60 * 1000 - 1);
    expect((await t.login(fresh)).openid).toBe(user.miniOpenid);
    const stale = t.sandbox.mintLoginCode(user);
    t.clock.advance(5 * 60 * 1000);
    expect((await t.login(stale)).errcode).toBe(40029);
  });

  it('checks appid, secret and grant_type', async () => {
    const code = t.sandbox.mintLoginCode(t.sandbox.createUser());
    expect((await t.login(code, { appid: 'wx0000000000000000' })).errcode).toBe(40013);
    expect((await t.login(code, { appid: t.sandbox.config.officialAccount.appid })).errcode).toBe(
      40013,
    );
    expect((await t.login(code, { secret: 'wrong' })).errcode).toBe(40125);
    expect((await t.login(code, { grant_type: 'client_credential' })).errcode).toBe(40002);
    expect((await t.login(code, { appid: '' })).errcode).toBe(41002);
    expect((await t.login('')).errcode).toBe(41008);
    // None of the failures consumed the code.
    expect((await t.login(code)).openid).toBeDefined();
  });

  it('answers 40226 for a blocked (high-risk) user', async () => {
    const user = t.sandbox.createUser({ blocked: true });
    expect((await t.login(t.sandbox.mintLoginCode(user))).errcode).toBe(40226);
  });

  it('rate-limits a user to 100 logins a minute (45011)', async () => {
    const user = t.sandbox.createUser();
    const codes = Array.from({ length: 101 }, () => t.sandbox.mintLoginCode(user));
    for (const code of codes.slice(0, 100)) expect((await t.login(code)).openid).toBeDefined();
    const limited = codes[100]!;
    expect((await t.login(limited)).errcode).toBe(45011);
    t.clock.advance(60_000);
    expect((await t.login(limited)).openid).toBe(user.miniOpenid);
  }, 20_000);

  it('only accepts GET', async () => {
    const r = await t.post('/sns/jscode2session', {});
    expect(r.errcode).toBe(43001);
  });
});

describe('session_key rotation and wxa/checksession', () => {
  async function check(openid: string, signature: string, method = 'hmac_sha256') {
    return t.get('/wxa/checksession', {
      access_token: await t.mpToken(),
      openid,
      signature,
      sig_method: method,
    });
  }

  it('rotates the session_key on every minted code; the old key fails checksession', async () => {
    const user = t.sandbox.createUser();
    await t.login(t.sandbox.mintLoginCode(user));
    const first = t.sandbox.sessionKeyOf(user);
    expect(await check(user.miniOpenid, hmac(first))).toEqual({ errcode: 0, errmsg: 'ok' });

    // A code the server never sees still rotates the key (WeChat's behaviour).
    t.sandbox.mintLoginCode(user);
    const second = t.sandbox.sessionKeyOf(user);
    expect(second).not.toBe(first);
    expect((await check(user.miniOpenid, hmac(first))).errcode).toBe(87009);
    expect((await check(user.miniOpenid, hmac(second))).errcode).toBe(0);
  });

  it('accepts the parameters as a POSTed JSON body too', async () => {
    const user = t.sandbox.createUser();
    t.sandbox.mintLoginCode(user);
    const body = {
      openid: user.miniOpenid,
      signature: hmac(t.sandbox.sessionKeyOf(user)),
      sig_method: 'hmac_sha256',
    };
    const r = await t.post('/wxa/checksession', body, { access_token: await t.mpToken() });
    expect(r.errcode).toBe(0);
  });

  it('compares the signature exactly: another spelling of the hex digest answers 87009', async () => {
    // signature = hmac_sha256(session_key, "") (api_checksessionkey); every example is
    // lower-case hex and the page never says another spelling is accepted.
    const user = t.sandbox.createUser();
    t.sandbox.mintLoginCode(user);
    const sig = hmac(t.sandbox.sessionKeyOf(user));
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect((await check(user.miniOpenid, sig)).errcode).toBe(0);
    expect(await check(user.miniOpenid, sig.toUpperCase())).toMatchObject({
      errcode: 87009,
      errmsg: expect.stringMatching(/^invalid signature/) as unknown,
    });
    const mixed = sig.slice(0, 32) + sig.slice(32).toUpperCase();
    expect((await check(user.miniOpenid, mixed)).errcode).toBe(87009);
    expect((await check(user.miniOpenid, ` ${sig}`)).errcode).toBe(87009);
    expect((await check(user.miniOpenid, sig.slice(0, 63))).errcode).toBe(87009);
  });

  it('rejects unknown openids, other sig methods and missing tokens', async () => {
    const user = t.sandbox.createUser();
    t.sandbox.mintLoginCode(user);
    const sig = hmac(t.sandbox.sessionKeyOf(user));
    expect((await check('oUnknown', sig)).errcode).toBe(40003);
    expect((await check(user.miniOpenid, sig, 'sha1')).errcode).toBe(40097);
    const noToken = await t.get('/wxa/checksession', {
      openid: user.miniOpenid,
      signature: sig,
      sig_method: 'hmac_sha256',
    });
    expect(noToken.errcode).toBe(41001);
    const oaToken = await t.get('/wxa/checksession', {
      access_token: await t.oaToken(),
      openid: user.miniOpenid,
      signature: sig,
      sig_method: 'hmac_sha256',
    });
    expect(oaToken.errcode).toBe(48001);
  });
});

describe('acceptUnknownLoginCodes (dev mode)', () => {
  it('logs any unknown code in as one demo user, single use', async () => {
    const dev = await startTestSandbox({ acceptUnknownLoginCodes: true });
    try {
      const a = await dev.login('devtools-code-1');
      const b = await dev.login('devtools-code-2');
      expect(a.openid).toBe(b.openid);
      expect(a.session_key).not.toBe(b.session_key); // each login rotates the key
      expect(b.session_key).toBe(dev.sandbox.sessionKeyOf(b.openid as string));
      const again = await dev.login('devtools-code-1');
      expect(again.errcode).toBe(40163);
    } finally {
      await dev.sandbox.close();
    }
  });
});

describe('demoUser()', () => {
  it('is the user unknown codes log in, created once, with a unionid, without rotating its key', async () => {
    const dev = await startTestSandbox({ acceptUnknownLoginCodes: true });
    try {
      expect(dev.sandbox.stats().users).toBe(0);
      const demo = dev.sandbox.demoUser();
      expect(demo.unionid).toEqual(expect.any(String));
      expect(dev.sandbox.demoUser()).toEqual(demo);
      expect(dev.sandbox.stats().users).toBe(1);
      expect(dev.sandbox.getUser(demo.id).nickName).toBe('沙盒演示用户');
      const keyBefore = dev.sandbox.sessionKeyOf(demo);
      dev.sandbox.demoUser();
      expect(dev.sandbox.sessionKeyOf(demo)).toBe(keyBefore);

      const login = await dev.login('devtools-code');
      expect(login.openid).toBe(demo.miniOpenid);
      expect(login.unionid).toBe(demo.unionid);
      expect(dev.sandbox.stats().users).toBe(1);
    } finally {
      await dev.sandbox.close();
    }
  });

  it('returns the demo user an unknown code already created', async () => {
    const dev = await startTestSandbox({ acceptUnknownLoginCodes: true });
    try {
      const login = await dev.login('first');
      expect(dev.sandbox.demoUser().miniOpenid).toBe(login.openid);
      expect(dev.sandbox.stats().users).toBe(1);
    } finally {
      await dev.sandbox.close();
    }
  });

  it('is a user distinct from created ones', async () => {
    const dev = await startTestSandbox({ acceptUnknownLoginCodes: true });
    try {
      const alice = dev.sandbox.createUser();
      const demo = dev.sandbox.demoUser();
      expect(demo.id).not.toBe(alice.id);
      expect(demo.unionid).not.toBe(alice.unionid);
      expect(dev.sandbox.listUsers().total).toBe(2);
    } finally {
      await dev.sandbox.close();
    }
  });

  it('is a typed error without acceptUnknownLoginCodes, and creates nobody', async () => {
    const strict = await startTestSandbox();
    try {
      let err: unknown;
      try {
        strict.sandbox.demoUser();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SandboxError);
      expect(err).toMatchObject({ code: 'INVALID_OPTION' });
      expect((err as Error).message).toMatch(/acceptUnknownLoginCodes/);
      expect(strict.sandbox.stats().users).toBe(0);
    } finally {
      await strict.sandbox.close();
    }
  });
});
