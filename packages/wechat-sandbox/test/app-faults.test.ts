import { SandboxClient } from '../src';
import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

/**
 * Per-app faults a `doctor` command must recognise: wrong secret (40001 /
 * 40125), AppSecret frozen (40243), IP not allow-listed (61004), and an
 * account not bound to the Open Platform (no unionid anywhere).
 */

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox({ officialAccounts: [{}, {}] });
});
afterEach(() => t.sandbox.close());

function stable(appid: string, secret: string) {
  return t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid, secret });
}

describe('token faults per app', () => {
  it.each([40001, 40125, 40243, 61004])(
    'token fetches of one app answer %i; other apps are unaffected',
    async (errcode) => {
      const [a, b] = t.sandbox.officialAccounts;
      t.sandbox.injectTokenFault(a!.appid, errcode);
      const r = await stable(a!.appid, a!.secret);
      expect(r.errcode).toBe(errcode);
      expect(r.errmsg).toMatch(/, rid: /);
      const classic = await t.get('/cgi-bin/token', {
        grant_type: 'client_credential',
        appid: a!.appid,
        secret: a!.secret,
      });
      expect(classic.errcode).toBe(errcode);
      expect(typeof (await stable(b!.appid, b!.secret)).access_token).toBe('string');
      t.sandbox.clearFaults();
      expect(typeof (await stable(a!.appid, a!.secret)).access_token).toBe('string');
    },
  );

  it('the documented errmsgs: 40243 frozen, 61004 IP not registered', async () => {
    const { appid, secret } = t.sandbox.config.miniProgram;
    t.sandbox.injectTokenFault(appid, 61004, 1);
    expect((await stable(appid, secret)).errmsg).toMatch(/^access clientip is not registered/);
    t.sandbox.injectTokenFault(appid, 40243, 1);
    expect((await stable(appid, secret)).errcode).toBe(40243);
    // times: 1 each, so the next fetch works.
    expect(typeof (await stable(appid, secret)).access_token).toBe('string');
  });

  it('rejects errcodes that are not token faults and unknown apps', () => {
    const { appid } = t.sandbox.config.officialAccount;
    expect(() => t.sandbox.injectTokenFault(appid, -1)).toThrow(/40001, 40125, 40243, 61004/);
    expect(() => t.sandbox.injectTokenFault('wxnope', 40001)).toThrow(/no app wxnope/);
  });
});

describe('an account not bound to the Open Platform', () => {
  it('user/info, batchget and OAuth never return a unionid for it', async () => {
    const [a, b] = t.sandbox.officialAccounts;
    const user = t.sandbox.createUser({ following: [a!.appid, b!.appid] });
    t.sandbox.setOpenPlatformBound(a!.appid, false);
    const tokenA = (await stable(a!.appid, a!.secret)).access_token as string;
    const tokenB = (await stable(b!.appid, b!.secret)).access_token as string;
    const info = await t.get('/cgi-bin/user/info', { access_token: tokenA, openid: user.oaOpenid });
    expect(info.subscribe).toBe(1);
    expect(info).not.toHaveProperty('unionid');
    const batch = await t.post(
      '/cgi-bin/user/info/batchget',
      { user_list: [{ openid: user.oaOpenid }] },
      { access_token: tokenA },
    );
    expect((batch.user_info_list as Array<Record<string, unknown>>)[0]).not.toHaveProperty(
      'unionid',
    );
    const oauth = await t.get('/sns/oauth2/access_token', {
      appid: a!.appid,
      secret: a!.secret,
      code: t.sandbox.mintOAuthCode(user, { scope: 'snsapi_userinfo' }),
      grant_type: 'authorization_code',
    });
    expect(oauth).not.toHaveProperty('unionid');
    // The bound account still answers it.
    const onB = await t.get('/cgi-bin/user/info', {
      access_token: tokenB,
      openid: user.oaOpenids[b!.appid]!,
    });
    expect(onB.unionid).toBe(user.unionid);
  });

  it('is driven by the control API too', async () => {
    const client = new SandboxClient(t.sandbox.url);
    const { appid, secret } = t.sandbox.config.officialAccount;
    await client.setOpenPlatformBound(appid, false);
    await client.injectTokenFault(appid, 40125, 1);
    const faults = (await (await fetch(`${t.sandbox.url}/__sandbox/faults`)).json()) as {
      appFaults: unknown;
    };
    expect(faults.appFaults).toEqual({
      tokenFaults: [{ appid, errcode: 40125 }],
      unbound: [appid],
    });
    expect((await stable(appid, secret)).errcode).toBe(40125);
  });
});
