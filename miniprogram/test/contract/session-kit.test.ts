/**
 * The session kit against the real server, sandbox and MongoDB. Every
 * answer goes through the contracts schemas in request(): if the server
 * drifts from a schema (or the schema from the server), these fail.
 */
import { ApiError, LoginError } from '../../src/services/index';
import type { HttpWx } from './http-wx';
import { newPhone } from './support';

describe('session kit ⇄ real server', () => {
  it('logs in once for 10 concurrent callers and reuses the session afterwards', async () => {
    const { wx, client } = await newPhone();
    const users = await Promise.all(Array.from({ length: 10 }, () => client.ensureSession()));
    expect(wx.loginCalls).toBe(1);
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    expect(users[0]).toMatchObject({ loginCount: 1, hasUnionId: true, phone: null });

    const again = await client.ensureSession();
    expect(again.id).toBe(users[0]!.id);
    expect(wx.loginCalls).toBe(1);
  });

  it('answers every authenticated route in the shape contracts describe', async () => {
    const { client } = await newPhone();
    const me = await client.request('getMe');
    const sub = await client.request('getSubscription');
    expect(sub).toEqual(me.subscription);
    expect(sub.status).toBe('never');
  });

  it('reports unknown until the UnionID is known (user not bound to the open platform)', async () => {
    const { client } = await newPhone({ unbound: true });
    const me = await client.ensureSession();
    expect(me.hasUnionId).toBe(false);
    expect(me.subscription.status).toBe('unknown');
  });

  it('logs in again when wx.checkSession says the WeChat session expired', async () => {
    const { wx, client } = await newPhone();
    await client.ensureSession();
    wx.sessionAlive = false;
    const user = await client.ensureSession();
    expect(wx.loginCalls).toBe(2);
    expect(user.loginCount).toBe(2);
  });

  it('on 401 (token revoked on the server) logs in again once and retries', async () => {
    const { wx, client } = await newPhone();
    await client.ensureSession();
    const revoked = client.store.read()!.token;
    // Another device / admin revoked it: use the API directly with that token.
    await client.logout();
    wx.storage.set('wxlink:session', {
      token: revoked,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const sub = await client.request('getSubscription');
    expect(sub.status).toBe('never');
    expect(wx.loginCalls).toBe(2);
    expect(client.store.read()!.token).not.toBe(revoked);
  });

  it('turns a server error envelope into a typed ApiError (bad phone code)', async () => {
    const { client } = await newPhone();
    await client.ensureSession();
    const err = await client.bindPhone('not-a-real-code').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('WECHAT_CODE_INVALID');
    expect((err as ApiError).status).toBe(401);
  });

  /** Something called wx.login twice and the codes never reached the server: WeChat rotated the key. */
  async function rotateKeyBehindServer(wx: HttpWx, userId: string): Promise<void> {
    await wx.sandbox.loginCode(userId);
    await wx.sandbox.loginCode(userId);
  }

  it('handles a stale session_key by itself: re-login, fresh getUserInfo, one retry', async () => {
    const { wx, client, userId } = await newPhone();
    await client.ensureSession();
    await rotateKeyBehindServer(wx, userId);
    // Sealed under a key the server never received (nor its predecessor).
    const stale = await wx.getUserInfoDetail();
    const result = await client.authorizeProfile(stale);
    expect(result).toMatchObject({ kind: 'authorized', user: { hasUnionId: true } });
    expect(result.kind === 'authorized' && result.user.nickname).toEqual(expect.any(String));
    expect(wx.loginCalls).toBe(2);
    expect(wx.userInfoCalls).toEqual([true]);
    const profilePosts = wx.sent.filter((r) => r.url.endsWith('/api/v1/me/profile'));
    expect(profilePosts).toHaveLength(2);
  });

  it('after a stale key, the anonymous 微信用户 profile never overwrites the real one', async () => {
    const { wx, client, userId } = await newPhone();
    await client.ensureSession();
    const real = await client.authorizeProfile(await wx.getUserInfoDetail());
    expect(real.kind).toBe('authorized');
    const realNickname = real.kind === 'authorized' ? real.user.nickname : null;
    expect(realNickname).toEqual(expect.any(String));

    await rotateKeyBehindServer(wx, userId);
    const stale = await wx.getUserInfoDetail();
    wx.userInfoAnonymous = true;
    const result = await client.authorizeProfile(stale);
    expect(result).toMatchObject({ kind: 'authorized', user: { nickname: realNickname } });
    expect(wx.userInfoCalls).toEqual([true]);
  });

  it('retries a stale session_key once only: stale again → retap (no loop)', async () => {
    const { wx, client, userId } = await newPhone();
    await client.ensureSession();
    await rotateKeyBehindServer(wx, userId);
    const stale = await wx.getUserInfoDetail();
    // The fresh data gets sealed under a key the server again never sees:
    // another wx.login elsewhere rotates it between the re-login and the getUserInfo.
    const getUserInfo = wx.getUserInfo.bind(wx);
    wx.getUserInfo = (o) => {
      void rotateKeyBehindServer(wx, userId).then(() => getUserInfo(o));
    };
    const result = await client.authorizeProfile(stale);
    expect(result).toMatchObject({ kind: 'retap', cause: { code: 'SESSION_KEY_STALE' } });
    expect(wx.loginCalls).toBe(2);
    expect(wx.userInfoCalls).toHaveLength(1);
    expect(wx.sent.filter((r) => r.url.endsWith('/api/v1/me/profile'))).toHaveLength(2);

    // The user taps again: that tap's data is stale too (the key moved on
    // behind the server), and this time the one automatic retry succeeds.
    wx.getUserInfo = getUserInfo;
    const again = await client.authorizeProfile(await wx.getUserInfoDetail());
    expect(again.kind).toBe('authorized');
    expect(wx.loginCalls).toBe(3);
    expect(wx.userInfoCalls).toHaveLength(2);
  });

  it('surfaces a failed login (blocked WeChat user) as LoginError with the server code', async () => {
    const { wx, client } = await newPhone();
    const blocked = await wx.sandbox.createUser({ blocked: true });
    (wx as { userId: string }).userId = blocked.id;
    const err = (await client.ensureSession().catch((e: unknown) => e)) as LoginError;
    expect(err).toBeInstanceOf(LoginError);
    expect(err.stage).toBe('createSession');
    expect(err.cause).toMatchObject({ code: 'WECHAT_USER_BLOCKED', status: 403 });
  });
});
