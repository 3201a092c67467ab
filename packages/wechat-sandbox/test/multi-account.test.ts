import { createHash } from 'node:crypto';
import { SandboxClient, startSandbox } from '../src';
import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';
import { field, startReceiver } from './receiver';

/** Several official accounts in one sandbox, one Open Platform (one unionid per user). */

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox({ officialAccounts: [{}, {}] });
});
afterEach(() => t.sandbox.close());

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

async function tokenOf(appid: string): Promise<string> {
  const account = t.sandbox.officialAccounts.find((a) => a.appid === appid)!;
  const r = await t.post('/cgi-bin/stable_token', {
    grant_type: 'client_credential',
    appid,
    secret: account.secret,
  });
  return r.access_token as string;
}

describe('several official accounts', () => {
  it('hosts distinct accounts; a user has one openid per account and one unionid', () => {
    const [a, b] = t.sandbox.officialAccounts;
    expect(a!.appid).not.toBe(b!.appid);
    expect(a!.token).not.toBe(b!.token);
    expect(a!.encodingAesKey).not.toBe(b!.encodingAesKey);
    expect(t.sandbox.config.officialAccount).toEqual(a);
    const user = t.sandbox.createUser();
    expect(user.oaOpenids[a!.appid]).toBe(user.oaOpenid);
    expect(user.oaOpenids[b!.appid]).not.toBe(user.oaOpenid);
    expect(t.sandbox.getUser(user.oaOpenids[b!.appid]!).id).toBe(user.id);
  });

  it('each account sees only its own followers and openids; unionid is shared', async () => {
    const [a, b] = t.sandbox.officialAccounts;
    const user = t.sandbox.createUser({ following: [b!.appid] });
    const tokenA = await tokenOf(a!.appid);
    const tokenB = await tokenOf(b!.appid);
    const onB = await t.get('/cgi-bin/user/info', {
      access_token: tokenB,
      openid: user.oaOpenids[b!.appid]!,
    });
    expect(onB).toMatchObject({ subscribe: 1, unionid: user.unionid });
    const onA = await t.get('/cgi-bin/user/info', { access_token: tokenA, openid: user.oaOpenid });
    expect(onA).toEqual({ subscribe: 0, openid: user.oaOpenid, tagid_list: [] });
    // B's openid means nothing to A.
    const cross = await t.get('/cgi-bin/user/info', {
      access_token: tokenA,
      openid: user.oaOpenids[b!.appid]!,
    });
    expect(cross.errcode).toBe(40003);
    expect((await t.get('/cgi-bin/user/get', { access_token: tokenA })).total).toBe(0);
    expect((await t.get('/cgi-bin/user/get', { access_token: tokenB })).data).toEqual({
      openid: [user.oaOpenids[b!.appid]],
    });
    expect(t.sandbox.stats().followersByAccount).toEqual({ [a!.appid]: 0, [b!.appid]: 1 });
  });

  it('a mini-program token is refused on official-account routes (48001)', async () => {
    const r = await t.get('/cgi-bin/user/get', { access_token: await t.mpToken() });
    expect(r.errcode).toBe(48001);
  });

  it("each account's pusher signs with its own token and sends its own openid", async () => {
    const [a, b] = t.sandbox.officialAccounts;
    const rxA = await startReceiver();
    const rxB = await startReceiver();
    try {
      t.sandbox.setPushTarget({ url: rxA.url, mode: 'plain' }, a!.appid);
      t.sandbox.setPushTarget({ url: rxB.url, mode: 'safe' }, b!.appid);
      const user = t.sandbox.createUser();
      await t.sandbox.follow(user, { appid: b!.appid });
      expect(rxA.received).toHaveLength(0);
      const got = rxB.received[0]!;
      const q = (n: string) => got.query.get(n) ?? '';
      expect(q('signature')).toBe(sha1([b!.token, q('timestamp'), q('nonce')].sort().join('')));
      expect(q('openid')).toBe(user.oaOpenids[b!.appid]);
      expect(field(got.body, 'ToUserName')).toBe(b!.originalId);
      expect(t.sandbox.getUser(user).officialAccounts[b!.appid]!.following).toBe(true);
      expect(t.sandbox.getUser(user).following).toBe(false); // the primary's relation
      expect(t.sandbox.officialAccountsFile().map((e) => e.encryptMode)).toEqual(['plain', 'safe']);
    } finally {
      await rxA.close();
      await rxB.close();
    }
  });

  it('OAuth codes belong to one account: another account cannot exchange them', async () => {
    const [a, b] = t.sandbox.officialAccounts;
    const user = t.sandbox.createUser();
    const code = t.sandbox.mintOAuthCode(user, { appid: b!.appid });
    const exchange = (acc: typeof a) =>
      t.get('/sns/oauth2/access_token', {
        appid: acc!.appid,
        secret: acc!.secret,
        code,
        grant_type: 'authorization_code',
      });
    expect((await exchange(a)).errcode).toBe(40029);
    expect((await exchange(b)).openid).toBe(user.oaOpenids[b!.appid]);
  });

  it('the control API and client address accounts by appid', async () => {
    const [, b] = t.sandbox.officialAccounts;
    const client = new SandboxClient(t.sandbox.url);
    const rx = await startReceiver();
    try {
      await client.setPushTarget({ url: rx.url, mode: 'compat' }, b!.appid);
      const config = await client.config();
      expect(config.config.officialAccounts).toHaveLength(2);
      expect(config.pushTargets).toEqual({
        [t.sandbox.config.officialAccount.appid]: null,
        [b!.appid]: { url: rx.url, mode: 'compat' },
      });
      const u = await client.createUser({ following: [b!.appid] });
      expect(u.officialAccounts[b!.appid]!.following).toBe(true);
      const r = await client.unfollow(u.id, { appid: b!.appid });
      expect(r.push?.delivered).toBe(true);
      expect(await client.createFollowers(3, { appid: b!.appid })).toMatchObject({ count: 3 });
      expect((await client.stats()).followersByAccount[b!.appid]).toBe(3);
      await expect(client.follow(u.id, { appid: 'wxnope' })).rejects.toMatchObject({
        status: 404,
      });
    } finally {
      await rx.close();
    }
  });

  it('refuses bad account lists with one clear message', async () => {
    await expect(
      startSandbox({ officialAccounts: [{ appid: 'wxdup' }, { appid: 'wxdup' }] }),
    ).rejects.toThrow(/wxdup is used twice/);
    await expect(startSandbox({ officialAccount: {}, officialAccounts: [{}] })).rejects.toThrow(
      /not both/,
    );
    await expect(startSandbox({ officialAccounts: [] })).rejects.toThrow(/1\.\.20/);
  });
});
