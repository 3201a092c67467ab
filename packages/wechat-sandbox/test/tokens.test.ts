import { STABLE_CALLS_PER_DAY, STABLE_CALLS_PER_MINUTE, TokenStore } from '../src/token-store';
import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(() => t.sandbox.close());

const HOUR2 = 7200 * 1000;

async function userInfo(token: string) {
  const user = t.sandbox.createUser({ following: true });
  return t.get('/cgi-bin/user/info', { access_token: token, openid: user.oaOpenid });
}

describe('cgi-bin/token', () => {
  it('issues a 7200 s token per call and counts them per appid', async () => {
    const { appid, secret } = t.sandbox.config.officialAccount;
    const q = { grant_type: 'client_credential', appid, secret };
    const a = await t.get('/cgi-bin/token', q);
    const b = await t.get('/cgi-bin/token', q);
    expect(a.expires_in).toBe(7200);
    expect(typeof a.access_token).toBe('string');
    expect(b.access_token).not.toBe(a.access_token);
    expect(t.sandbox.stats().tokensIssued).toEqual({ [appid]: 2 });
    // The previous token keeps working for 5 minutes only.
    expect((await userInfo(a.access_token as string)).subscribe).toBe(1);
    t.clock.advance(5 * 60 * 1000);
    expect((await userInfo(a.access_token as string)).errcode).toBe(42001);
    expect((await userInfo(b.access_token as string)).subscribe).toBe(1);
  });

  it('answers the documented errcodes for bad credentials', async () => {
    const { appid, secret } = t.sandbox.config.officialAccount;
    expect(
      (await t.get('/cgi-bin/token', { grant_type: 'client_credential', appid: 'wxnope', secret }))
        .errcode,
    ).toBe(40013);
    expect(
      (await t.get('/cgi-bin/token', { grant_type: 'client_credential', appid, secret: 'bad' }))
        .errcode,
    ).toBe(40125);
    expect(
      (await t.get('/cgi-bin/token', { grant_type: 'authorization_code', appid, secret })).errcode,
    ).toBe(40002);
    expect(
      (await t.get('/cgi-bin/token', { grant_type: 'client_credential', appid })).errcode,
    ).toBe(41004);
    expect(t.sandbox.stats().tokensIssued).toEqual({});
  });
});

describe('cgi-bin/stable_token', () => {
  it('returns the same token in normal mode and counts one issue', async () => {
    const a = await t.oaToken();
    t.clock.advance(60 * 60 * 1000);
    const r = await t.post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      ...t.sandbox.config.officialAccount,
    });
    expect(r.access_token).toBe(a);
    expect(r.expires_in).toBe(3600);
    expect(t.sandbox.stats().tokensIssued[t.sandbox.config.officialAccount.appid]).toBe(1);
  });

  it('renews in the last 5 minutes and expires after 7200 s (42001)', async () => {
    const a = await t.oaToken();
    t.clock.advance(HOUR2 - 4 * 60 * 1000);
    const b = await t.oaToken();
    expect(b).not.toBe(a);
    t.clock.advance(4 * 60 * 1000);
    expect((await userInfo(a)).errcode).toBe(42001);
    expect((await userInfo(b)).subscribe).toBe(1);
  });

  it('force_refresh revokes the previous token at once (40001)', async () => {
    const a = await t.oaToken();
    const r = await t.post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      ...t.sandbox.config.officialAccount,
      force_refresh: true,
    });
    expect(r.access_token).not.toBe(a);
    expect((await userInfo(a)).errcode).toBe(40001);
    expect((await userInfo(r.access_token as string)).subscribe).toBe(1);
    expect(t.sandbox.stats().tokensIssued[t.sandbox.config.officialAccount.appid]).toBe(2);
  });

  it('wants POST and a JSON body', async () => {
    const { appid, secret } = t.sandbox.config.officialAccount;
    expect(
      (await t.get('/cgi-bin/stable_token', { grant_type: 'client_credential', appid, secret }))
        .errcode,
    ).toBe(43002);
    // A body WeChat cannot read as JSON carries no appid: 41002, not 47001.
    expect((await t.post('/cgi-bin/stable_token', '{not json')).errcode).toBe(41002);
    expect((await t.post('/cgi-bin/stable_token', '')).errcode).toBe(44002);
    expect(
      (
        await t.post('/cgi-bin/stable_token', {
          grant_type: 'client_credential',
          appid,
          secret,
          force_refresh: 'yes',
        })
      ).errcode,
    ).toBe(40097);
  });
});

describe('stable_token force_refresh limits and form posts', () => {
  const force = () =>
    t.post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      ...t.sandbox.config.officialAccount,
      force_refresh: true,
    });

  it('a second force refresh within 30 s does not refresh ("否则不会刷新")', async () => {
    const first = (await force()).access_token as string;
    const second = await force();
    const fresh = (await force()).access_token;
    expect(second.access_token).toBe(first);
    expect(fresh).toBe(first);
    expect((await userInfo(first)).subscribe).toBe(1);
    t.clock.advance(30_000);
    const third = (await force()).access_token as string;
    expect(third).not.toBe(first);
    expect((await userInfo(first)).errcode).toBe(40001);
  });

  it('the 21st force refresh of a (Beijing) day answers 45009; the next day works again', async () => {
    // Start just after Beijing midnight so 21 x 30 s stay within the day.
    t.clock.ms = Date.UTC(2025, 0, 15, 16, 0, 0); // 00:00 UTC+8 on the 16th
    const seen = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      seen.add((await force()).access_token as string);
      t.clock.advance(30_000);
    }
    expect(seen.size).toBe(20);
    const over = await force();
    expect(over.errcode).toBe(45009);
    expect(over.errmsg).toMatch(/^reach max api daily quota limit/);
    // Normal mode still answers.
    expect(typeof (await t.oaToken())).toBe('string');
    t.clock.ms = Date.UTC(2025, 0, 16, 16, 0, 0);
    expect(typeof (await force()).access_token).toBe('string');
  });

  it('every force_refresh call counts toward the 20 a day, refreshed or not ("每天限用20次")', async () => {
    t.clock.ms = Date.UTC(2025, 0, 15, 16, 0, 0); // 00:00 UTC+8
    const first = (await force()).access_token as string;
    for (let i = 2; i <= 20; i += 1) {
      t.clock.advance(1_000); // inside the 30 s window: no refresh, but a use of the mode
      expect((await force()).access_token).toBe(first);
    }
    t.clock.advance(1_000);
    const over = await force(); // the 21st of the day, inside the window
    expect(over.errcode).toBe(45009);
    expect(over.errmsg).toMatch(/^reach max api daily quota limit/);
    t.clock.advance(60_000); // spacing no longer matters: the day's 20 are spent
    expect((await force()).errcode).toBe(45009);
    expect((await userInfo(first)).subscribe).toBe(1); // never revoked
    expect(t.sandbox.stats().tokensIssued[t.sandbox.config.officialAccount.appid]).toBe(1);
  });

  it('the 30 s are counted from the previous force_refresh call ("调用时间隔至少为30s")', async () => {
    const first = (await force()).access_token as string;
    t.clock.advance(20_000);
    expect((await force()).access_token).toBe(first);
    t.clock.advance(20_000); // 40 s after the refresh, 20 s after the previous call
    expect((await force()).access_token).toBe(first);
    t.clock.advance(30_000);
    const next = (await force()).access_token as string;
    expect(next).not.toBe(first);
    expect((await userInfo(first)).errcode).toBe(40001);
  });

  it('a form-encoded request answers 41002 (appid missing), as WeChat does', async () => {
    const { appid, secret } = t.sandbox.config.officialAccount;
    const res = await fetch(`${t.sandbox.url}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credential', appid, secret }).toString(),
    });
    expect(((await res.json()) as { errcode: number }).errcode).toBe(41002);
  });

  it('cgi-bin/token allows 2000 calls a day per app, then 45009', async () => {
    const { appid, secret } = t.sandbox.config.officialAccount;
    const q = { grant_type: 'client_credential', appid, secret };
    let issued = 0;
    for (let batch = 0; batch < 40; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => t.get('/cgi-bin/token', q)),
      );
      issued += answers.filter((a) => typeof a.access_token === 'string').length;
    }
    expect(issued).toBe(2000);
    expect((await t.get('/cgi-bin/token', q)).errcode).toBe(45009);
    // Another app has its own quota.
    const mp = t.sandbox.config.miniProgram;
    expect(
      typeof (await t.get('/cgi-bin/token', { ...q, appid: mp.appid, secret: mp.secret }))
        .access_token,
    ).toBe('string');
  }, 30_000);
});

describe('token checks on protected routes', () => {
  it('invalidateAccessToken makes every call answer 40001 until a new token', async () => {
    const token = await t.oaToken();
    const mp = await t.mpToken();
    t.sandbox.invalidateAccessToken(t.sandbox.config.officialAccount.appid);
    expect((await userInfo(token)).errcode).toBe(40001);
    // Other apps are untouched.
    const user = t.sandbox.createUser();
    t.sandbox.mintLoginCode(user);
    const phone = await t.post(
      '/wxa/business/getuserphonenumber',
      { code: t.sandbox.mintPhoneCode(user) },
      { access_token: mp },
    );
    expect(phone.errcode).toBe(0);
    const fresh = await t.oaToken();
    expect(fresh).not.toBe(token);
    expect((await userInfo(fresh)).subscribe).toBe(1);
    expect(t.sandbox.stats().tokensIssued[t.sandbox.config.officialAccount.appid]).toBe(2);
  });

  it('invalidateAccessToken() without appid revokes every app', async () => {
    const oa = await t.oaToken();
    t.sandbox.invalidateAccessToken();
    expect((await userInfo(oa)).errcode).toBe(40001);
  });

  it.each([
    ['/cgi-bin/user/info', 'GET'],
    ['/cgi-bin/user/get', 'GET'],
    ['/cgi-bin/user/info/batchget', 'POST'],
    ['/wxa/business/getuserphonenumber', 'POST'],
    ['/wxa/checksession', 'GET'],
  ])('%s checks the access token', async (path, method) => {
    const call = (q: Record<string, string>) =>
      method === 'GET' ? t.get(path, q) : t.post(path, { user_list: [], code: 'x' }, q);
    expect((await call({})).errcode).toBe(41001);
    expect((await call({ access_token: 'forged' })).errcode).toBe(40001);
  });
});

describe('cgi-bin/stable_token call quotas (TokenStore)', () => {
  // "该接口调用频率限制为 1万次 每分钟，每天限制调用 50万 次" (getStableAccessToken).
  const errcodeOf = (fn: () => unknown): number | undefined => {
    try {
      fn();
      return undefined;
    } catch (err) {
      return (err as { errcode?: number }).errcode;
    }
  };

  it('10,000 calls a minute per app, then 45011 until the next minute', () => {
    let now = Date.UTC(2026, 11, 2, 4, 0, 0);
    const store = new TokenStore(() => now);
    for (let i = 0; i < STABLE_CALLS_PER_MINUTE; i++) store.stableToken('wxapp', false);
    expect(errcodeOf(() => store.stableToken('wxapp', false))).toBe(45011);
    expect(errcodeOf(() => store.stableToken('wxother', false))).toBeUndefined();
    now += 60_000;
    expect(errcodeOf(() => store.stableToken('wxapp', false))).toBeUndefined();
  });

  it('500,000 calls a (Beijing) day per app, then 45009 until the next day', () => {
    // 00:00 Beijing time, so the 50 minutes of calls stay inside one day.
    let now = Date.UTC(2026, 11, 1, 16, 0, 0);
    const store = new TokenStore(() => now);
    for (let m = 0; m < STABLE_CALLS_PER_DAY / STABLE_CALLS_PER_MINUTE; m++) {
      for (let i = 0; i < STABLE_CALLS_PER_MINUTE; i++) store.stableToken('wxapp', false);
      now += 60_000;
    }
    expect(errcodeOf(() => store.stableToken('wxapp', false))).toBe(45009);
    now = Date.UTC(2026, 11, 2, 16, 0, 0);
    expect(errcodeOf(() => store.stableToken('wxapp', false))).toBeUndefined();
  });
});
