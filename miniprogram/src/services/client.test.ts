import { FakeBackend } from '../test-support/fake-backend';
import { FakeWx, flush } from '../test-support/fake-wx';
import type { FakeHandler } from '../test-support/fake-wx';
import {
  API_BASE,
  errorBody,
  freshUserInfo,
  futureIso,
  makeUser,
  userInfoDetail,
} from '../test-support/fixtures';
import { WxlinkClient } from './client';
import {
  ApiError,
  LoginError,
  NetworkError,
  RequestInvalidError,
  ResponseInvalidError,
  UserInfoError,
} from './errors';
import { STORAGE_KEYS } from './storage';

function setup(options: { timeoutMs?: number } = {}) {
  const wx = new FakeWx();
  const backend = new FakeBackend(wx);
  const client = new WxlinkClient({ wx, apiBase: `${API_BASE}/`, ...options });
  return { wx, backend, client };
}

function storeToken(wx: FakeWx, backend: FakeBackend, token = 'stored-token-0123456789') {
  backend.validTokens.add(token);
  wx.setStorageSync(STORAGE_KEYS.session, { token, expiresAt: futureIso() });
  return token;
}

/** setup() with a valid token already stored: the usual starting point. */
function signedIn(options: { timeoutMs?: number } = {}) {
  const ctx = setup(options);
  return { ...ctx, token: storeToken(ctx.wx, ctx.backend) };
}

/** Scripts `method path` to answer `status` with the server's error envelope. */
function answerError(
  wx: FakeWx,
  method: string,
  path: string,
  status: number,
  ...envelope: Parameters<typeof errorBody>
) {
  wx.on(method, path, () => ({ status, body: errorBody(...envelope) }));
}

describe('ensureSession', () => {
  it('logs in when nothing is stored and keeps the token under the namespaced key', async () => {
    const { wx, client } = setup();
    const user = await client.ensureSession();
    expect(user.id).toBe('u_1');
    expect(wx.loginCalls).toBe(1);
    const [created] = wx.calls('POST', '/api/v1/sessions');
    expect(created?.data).toEqual({ code: 'wx-code-1' });
    expect(created?.token).toBeNull();
    expect(wx.storage.get('wxlink:session')).toEqual({
      token: 'token-1-0123456789abcdef',
      expiresAt: expect.any(String),
    });
    expect(client.hasSession()).toBe(true);
  });

  it('reuses a stored token while the WeChat session is alive (GET /me, no wx.login)', async () => {
    const { wx, client, token } = signedIn();
    await client.ensureSession();
    expect(wx.loginCalls).toBe(0);
    expect(wx.checkSessionCalls).toBe(1);
    expect(wx.calls('GET', '/api/v1/me').map((r) => r.token)).toEqual([token]);
  });

  it('logs in again when wx.checkSession reports an expired session', async () => {
    const { wx, client } = signedIn();
    wx.sessionAlive = false;
    await client.ensureSession();
    expect(wx.loginCalls).toBe(1);
    expect(wx.calls('GET', '/api/v1/me')).toHaveLength(0);
    expect((wx.storage.get('wxlink:session') as { token: string }).token).toMatch(/^token-1/);
  });

  it('logs in again when the server answers 401 to GET /me', async () => {
    const { wx, backend, client } = signedIn();
    backend.revokeAll();
    const user = await client.ensureSession();
    expect(user.id).toBe('u_1');
    expect(wx.loginCalls).toBe(1);
    expect(wx.calls('GET', '/api/v1/me')).toHaveLength(1);
  });

  it('ignores an expired or corrupt stored token', async () => {
    const { wx, client } = setup();
    wx.setStorageSync(STORAGE_KEYS.session, { token: 'old', expiresAt: '2000-01-01T00:00:00Z' });
    await client.ensureSession();
    expect(wx.checkSessionCalls).toBe(0);
    expect(wx.loginCalls).toBe(1);
  });

  it('shares one login among 10 concurrent callers (single flight)', async () => {
    const { wx, client } = setup();
    wx.latencyMs = 5;
    const users = await Promise.all(Array.from({ length: 10 }, () => client.ensureSession()));
    expect(wx.loginCalls).toBe(1);
    expect(wx.calls('POST', '/api/v1/sessions')).toHaveLength(1);
    expect(new Set(users.map((u) => u.id))).toEqual(new Set(['u_1']));
  });

  it('shares one login among 10 concurrent authenticated requests with no token', async () => {
    const { wx, client } = setup();
    wx.latencyMs = 2;
    await Promise.all(Array.from({ length: 10 }, () => client.request('getSubscription')));
    expect(wx.loginCalls).toBe(1);
    const subs = wx.calls('GET', '/api/v1/me/subscription');
    expect(subs).toHaveLength(10);
    expect(new Set(subs.map((r) => r.token)).size).toBe(1);
  });

  it('surfaces a failed wx.login as LoginError(wx.login) and tries again next time', async () => {
    const { wx, client } = setup();
    wx.loginReply = (n) => (n === 1 ? { fail: 'login:fail network' } : { code: 'ok-code' });
    const err = await client.ensureSession().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoginError);
    expect(err).toMatchObject({ code: 'LOGIN_FAILED', stage: 'wx.login' });
    expect((err as LoginError).cause).toBeInstanceOf(NetworkError);
    await expect(client.ensureSession()).resolves.toMatchObject({ id: 'u_1' });
    expect(wx.loginCalls).toBe(2);
  });

  it('surfaces a rejected code as LoginError(createSession) carrying the ApiError', async () => {
    const { wx, client } = setup();
    answerError(
      wx,
      'POST',
      '/api/v1/sessions',
      401,
      'WECHAT_CODE_INVALID',
      'code been used',
      'req-9',
    );
    const err = (await client.ensureSession().catch((e: unknown) => e)) as LoginError;
    expect(err).toBeInstanceOf(LoginError);
    expect(err.stage).toBe('createSession');
    expect(err.cause).toBeInstanceOf(ApiError);
    expect(err.cause).toMatchObject({
      code: 'WECHAT_CODE_INVALID',
      status: 401,
      requestId: 'req-9',
    });
    expect(wx.storage.has('wxlink:session')).toBe(false);
  });

  it('all 10 concurrent callers see the same failed login, and only one wx.login ran', async () => {
    const { wx, client } = setup();
    wx.loginReply = () => ({ fail: 'login:fail timeout' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => client.ensureSession()),
    );
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof LoginError)).toBe(
      true,
    );
    expect(wx.loginCalls).toBe(1);
  });
});

describe('request()', () => {
  it('sends the Bearer token, the timeout and the validated body to the route', async () => {
    const { wx, client, token } = signedIn({ timeoutMs: 1234 });
    const user = await client.request('updateProfile', { nickname: '  Mia ' });
    expect(user.nickname).toBe('Mia');
    const [put] = wx.calls('PUT', '/api/v1/me/profile');
    expect(put).toMatchObject({
      url: 'http://api.test/api/v1/me/profile',
      token,
      timeout: 1234,
      data: { nickname: 'Mia' },
    });
    expect(put?.header['content-type']).toBe('application/json');
  });

  it('turns an error envelope into a typed ApiError', async () => {
    const { wx, client } = signedIn();
    answerError(wx, 'POST', '/api/v1/me/phone', 402, 'WECHAT_QUOTA_EXHAUSTED', 'quota', 'req-1');
    const err = await client.bindPhone('phone-code').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      code: 'WECHAT_QUOTA_EXHAUSTED',
      status: 402,
      message: 'quota',
      requestId: 'req-1',
    });
  });

  it('does not log in again on a 401 that is not SESSION_INVALID (bad phone code)', async () => {
    const { wx, client } = signedIn();
    answerError(wx, 'POST', '/api/v1/me/phone', 401, 'WECHAT_CODE_INVALID');
    await expect(client.bindPhone('phone-code')).rejects.toMatchObject({
      code: 'WECHAT_CODE_INVALID',
    });
    expect(wx.loginCalls).toBe(0);
    expect(wx.calls('POST', '/api/v1/me/phone')).toHaveLength(1);
  });

  it('on 401 SESSION_INVALID logs in once and retries with the new token', async () => {
    const { wx, backend, client, token: old } = signedIn();
    backend.revokeAll();
    const sub = await client.request('getSubscription');
    expect(sub.status).toBe('unknown');
    expect(wx.loginCalls).toBe(1);
    expect(wx.calls('GET', '/api/v1/me/subscription').map((r) => r.token)).toEqual([
      old,
      'token-1-0123456789abcdef',
    ]);
  });

  it('never loops: a second 401 after the fresh login is thrown', async () => {
    const { wx, client } = signedIn();
    answerError(wx, 'GET', '/api/v1/me/subscription', 401, 'SESSION_INVALID');
    await expect(client.request('getSubscription')).rejects.toMatchObject({
      code: 'SESSION_INVALID',
      status: 401,
    });
    expect(wx.calls('GET', '/api/v1/me/subscription')).toHaveLength(2);
    expect(wx.loginCalls).toBe(1);
  });

  it('10 requests hitting 401 together share one re-login', async () => {
    const { wx, backend, client } = signedIn();
    backend.revokeAll();
    wx.latencyMs = 2;
    await Promise.all(Array.from({ length: 10 }, () => client.request('getMe')));
    expect(wx.loginCalls).toBe(1);
    expect(wx.calls('GET', '/api/v1/me')).toHaveLength(20);
  });

  it('rejects a body the contracts schema refuses before sending it', async () => {
    const { wx, client } = signedIn();
    const err = await client
      .request('updateProfile', { nickname: 'x'.repeat(40) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestInvalidError);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((err as Error).message).toContain('nickname');
    expect(wx.calls('PUT', '/api/v1/me/profile')).toHaveLength(0);
  });

  it.each([
    ['a missing field', () => ({ ...makeUser(), loginCount: undefined })],
    ['an unknown field (strict schema)', () => ({ ...makeUser(), openid: 'o_leak' })],
    ['a wrong type', () => ({ ...makeUser(), hasUnionId: 'yes' })],
  ])('fails on schema drift: %s', async (_label, body) => {
    const { wx, client } = signedIn();
    wx.on('GET', '/api/v1/me', () => ({ status: 200, body: body() }));
    const err = await client.request('getMe').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseInvalidError);
    expect(err).toMatchObject({ code: 'RESPONSE_INVALID', route: 'getMe', status: 200 });
  });

  it('fails on a success status the route does not produce', async () => {
    const { wx, client } = signedIn();
    wx.on('POST', '/api/v1/me/avatar', () => ({ status: 200, body: { avatarUrl: '/x' } }));
    await expect(client.uploadAvatar('wxfile://tmp.png')).rejects.toBeInstanceOf(
      ResponseInvalidError,
    );
  });

  it('treats a non-envelope error body (proxy HTML page) as an invalid response', async () => {
    const { wx, client } = signedIn();
    wx.on('GET', '/api/v1/me', () => ({ status: 502, body: '<html>Bad Gateway</html>' }));
    await expect(client.request('getMe')).rejects.toMatchObject({
      code: 'RESPONSE_INVALID',
      status: 502,
    });
  });

  it.each([
    ['request:fail timeout', 'TIMEOUT'],
    [
      'request:fail errcode:-102 cronet_error_code:-102 error_msg:net::ERR_CONNECTION_REFUSED',
      'NETWORK_ERROR',
    ],
  ])('turns %s into NetworkError %s', async (errMsg, code) => {
    const { wx, client } = signedIn();
    wx.on('GET', '/api/v1/me', () => ({ fail: errMsg }));
    const err = await client.request('getMe').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code, errMsg });
  });

  it('calls an unauthenticated route without a token', async () => {
    const { wx, client } = setup();
    const created = await client.request('createSession', { code: 'abc' });
    expect(created.user.id).toBe('u_1');
    expect(wx.calls('POST', '/api/v1/sessions')[0]?.token).toBeNull();
  });
});

describe('authorizeProfile (getUserInfo detail)', () => {
  it('sends exactly rawData/signature/encryptedData/iv and returns the user', async () => {
    const { wx, client } = signedIn();
    const result = await client.authorizeProfile(userInfoDetail());
    expect(result).toMatchObject({ kind: 'authorized', user: { nickname: 'Band' } });
    const [sent] = wx.calls('POST', '/api/v1/me/profile');
    expect(Object.keys(sent?.data ?? {}).sort()).toEqual([
      'encryptedData',
      'iv',
      'rawData',
      'signature',
    ]);
  });

  /** POST /me/profile answers 409 SESSION_KEY_STALE to the first `staleTimes` calls, then `next`. */
  function staleThen(wx: FakeWx, staleTimes: number, next: FakeHandler) {
    let n = 0;
    wx.on('POST', '/api/v1/me/profile', (req) =>
      ++n <= staleTimes ? { status: 409, body: errorBody('SESSION_KEY_STALE') } : next(req),
    );
  }

  /** staleThen() falling through to the fake backend's real profile handler. */
  function staleThenBackend(wx: FakeWx, backend: FakeBackend, staleTimes: number) {
    staleThen(wx, staleTimes, backend.profileHandler());
  }

  it('on SESSION_KEY_STALE logs in again, takes fresh user data and retries once', async () => {
    const { wx, backend, client, token: stored } = signedIn();
    staleThenBackend(wx, backend, 1);
    const result = await client.authorizeProfile(userInfoDetail());
    expect(result).toMatchObject({ kind: 'authorized', user: { nickname: 'Band-1' } });
    expect(wx.loginCalls).toBe(1);
    expect(wx.userInfoCalls).toEqual([true]);
    // The order matters: the fresh data must be sealed after the new login.
    expect(wx.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/me/profile',
      'POST /api/v1/sessions',
      'POST /api/v1/me/profile',
    ]);
    const [first, retry] = wx.calls('POST', '/api/v1/me/profile');
    expect(first?.token).toBe(stored);
    expect(retry?.token).toBe('token-1-0123456789abcdef');
    expect(retry?.data).toEqual({
      rawData: freshUserInfo(1).rawData,
      signature: freshUserInfo(1).signature,
      encryptedData: freshUserInfo(1).encryptedData,
      iv: freshUserInfo(1).iv,
    });
  });

  it('retries exactly once: a second SESSION_KEY_STALE becomes retap (no loop)', async () => {
    const { wx, backend, client } = signedIn();
    staleThenBackend(wx, backend, Infinity);
    const result = await client.authorizeProfile(userInfoDetail());
    expect(result).toMatchObject({ kind: 'retap', cause: { code: 'SESSION_KEY_STALE' } });
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(2);
    expect(wx.loginCalls).toBe(1);
    expect(wx.userInfoCalls).toHaveLength(1);
    await flush();
    expect(wx.requests).toHaveLength(3);
  });

  it('after retap, the next tap goes out with the fresh token and can succeed', async () => {
    const { wx, backend, client } = signedIn();
    staleThenBackend(wx, backend, 2);
    expect(await client.authorizeProfile(userInfoDetail())).toMatchObject({ kind: 'retap' });
    const again = await client.authorizeProfile(userInfoDetail());
    expect(again).toMatchObject({ kind: 'authorized', user: { nickname: 'Band' } });
    expect(wx.calls('POST', '/api/v1/me/profile').map((r) => r.token)).toEqual([
      'stored-token-0123456789',
      'token-1-0123456789abcdef',
      'token-1-0123456789abcdef',
    ]);
    expect(wx.loginCalls).toBe(1);
  });

  it('when wx.getUserInfo fails, does not resend and asks for a new tap', async () => {
    const { wx, backend, client } = signedIn();
    staleThenBackend(wx, backend, 1);
    wx.userInfoReply = () => ({ fail: 'getUserInfo:fail auth deny' });
    const result = await client.authorizeProfile(userInfoDetail());
    expect(result).toEqual({ kind: 'retap', cause: expect.any(UserInfoError) });
    expect(result).toMatchObject({ cause: { errMsg: 'getUserInfo:fail auth deny' } });
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(1);
    expect(wx.loginCalls).toBe(1);
  });

  it('when wx.getUserInfo never answers, gives up after the timeout (retap)', async () => {
    const { wx, backend, client } = signedIn({ timeoutMs: 30 });
    staleThenBackend(wx, backend, 1);
    wx.userInfoReply = () => 'hang';
    const result = await client.authorizeProfile(userInfoDetail());
    expect(result).toMatchObject({ kind: 'retap', cause: { code: 'USER_INFO_UNAVAILABLE' } });
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(1);
  });

  it('when wx.getUserInfo answers without encrypted data, nothing is sent (retap)', async () => {
    const { wx, backend, client } = signedIn();
    staleThenBackend(wx, backend, 1);
    // withCredentials ignored: the answer lacks encryptedData/iv.
    const { rawData, signature } = freshUserInfo(1);
    wx.userInfoReply = () => ({ rawData, signature }) as never;
    const result = await client.authorizeProfile(userInfoDetail());
    expect(result).toMatchObject({ kind: 'retap', cause: expect.any(RequestInvalidError) });
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(1);
  });

  it('a 401 on the retry is not answered with another login (retap)', async () => {
    const { wx, client } = signedIn();
    staleThen(wx, 1, () => ({ status: 401, body: errorBody('SESSION_INVALID') }));
    const result = await client.authorizeProfile(userInfoDetail());
    expect(result).toMatchObject({ kind: 'retap', cause: { code: 'SESSION_INVALID' } });
    expect(wx.loginCalls).toBe(1);
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(2);
  });

  it('when the retry cannot reach the server, asks for a new tap', async () => {
    const { wx, client } = signedIn();
    staleThen(wx, 1, () => ({ fail: 'request:fail timeout' }));
    const result = await client.authorizeProfile(userInfoDetail());
    expect(result).toMatchObject({ kind: 'retap', cause: expect.any(NetworkError) });
  });

  it('when the re-login after a stale key fails, surfaces the LoginError (no getUserInfo)', async () => {
    const { wx, client } = signedIn();
    answerError(wx, 'POST', '/api/v1/me/profile', 409, 'SESSION_KEY_STALE');
    wx.loginReply = () => ({ fail: 'login:fail' });
    await expect(client.authorizeProfile(userInfoDetail())).rejects.toBeInstanceOf(LoginError);
    expect(wx.userInfoCalls).toHaveLength(0);
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(1);
  });

  it('passes other errors through (SIGNATURE_INVALID is not retried)', async () => {
    const { wx, client } = signedIn();
    answerError(wx, 'POST', '/api/v1/me/profile', 422, 'SIGNATURE_INVALID');
    await expect(client.authorizeProfile(userInfoDetail())).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
    expect(wx.loginCalls).toBe(0);
  });
});

describe('avatar and profile update', () => {
  it('uploads with wx.uploadFile (field "file", Bearer) and returns the stored URL', async () => {
    const { wx, client, token } = signedIn();
    const url = await client.uploadAvatar('wxfile://tmp/avatar.png');
    expect(url).toBe('/api/v1/avatars/av_1.png');
    const [up] = wx.calls('POST', '/api/v1/me/avatar');
    expect(up?.upload).toEqual({ filePath: 'wxfile://tmp/avatar.png', name: 'file' });
    expect(up?.token).toBe(token);
  });

  it('retries an upload once after a 401', async () => {
    const { wx, backend, client } = signedIn();
    backend.revokeAll();
    await expect(client.uploadAvatar('wxfile://a.png')).resolves.toBe('/api/v1/avatars/av_1.png');
    expect(wx.calls('POST', '/api/v1/me/avatar')).toHaveLength(2);
    expect(wx.loginCalls).toBe(1);
  });

  it('reports a too-large image as PAYLOAD_TOO_LARGE', async () => {
    const { wx, client } = signedIn();
    answerError(wx, 'POST', '/api/v1/me/avatar', 413, 'PAYLOAD_TOO_LARGE');
    await expect(client.uploadAvatar('wxfile://big.png')).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      status: 413,
    });
  });

  it('updateProfile uploads the avatar first, then PUTs its URL with the trimmed nickname', async () => {
    const { wx, client } = signedIn();
    const user = await client.updateProfile({
      nickname: ' Mia ',
      avatarFilePath: 'wxfile://a.png',
    });
    expect(user).toMatchObject({ nickname: 'Mia', avatarUrl: '/api/v1/avatars/av_1.png' });
    const order = wx.requests.map((r) => `${r.method} ${r.path}`);
    expect(order).toEqual(['POST /api/v1/me/avatar', 'PUT /api/v1/me/profile']);
    expect(wx.calls('PUT', '/api/v1/me/profile')[0]?.data).toEqual({
      nickname: 'Mia',
      avatarUrl: '/api/v1/avatars/av_1.png',
    });
  });

  it('updateProfile with nothing to change sends nothing', async () => {
    const { wx, client } = setup();
    await expect(client.updateProfile({ nickname: '   ' })).rejects.toBeInstanceOf(
      RequestInvalidError,
    );
    expect(wx.requests).toHaveLength(0);
  });

  it('a failed upload stops before the profile update', async () => {
    const { wx, client } = signedIn();
    wx.on('POST', '/api/v1/me/avatar', () => ({ fail: 'uploadFile:fail timeout' }));
    await expect(
      client.updateProfile({ nickname: 'Mia', avatarFilePath: 'wxfile://a.png' }),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(wx.calls('PUT', '/api/v1/me/profile')).toHaveLength(0);
  });

  it('absoluteUrl prefixes server paths and leaves URLs alone', () => {
    const { client } = setup();
    expect(client.absoluteUrl('/api/v1/avatars/a.png')).toBe(
      'http://api.test/api/v1/avatars/a.png',
    );
    expect(client.absoluteUrl('https://wx.qlogo.cn/a')).toBe('https://wx.qlogo.cn/a');
  });
});

describe('logout', () => {
  it('revokes the token on the server and clears the namespaced keys', async () => {
    const { wx, backend, client, token } = signedIn();
    wx.setStorageSync('other-app-key', 'kept');
    await expect(client.logout()).resolves.toEqual({ revokedOnServer: true });
    expect(wx.calls('DELETE', '/api/v1/sessions/current').map((r) => r.token)).toEqual([token]);
    expect(backend.validTokens.has(token)).toBe(false);
    expect(wx.storage.has('wxlink:session')).toBe(false);
    expect(wx.storage.get('other-app-key')).toBe('kept');
  });

  it('clears locally even when the server is unreachable, and never logs in', async () => {
    const { wx, client } = signedIn();
    wx.on('DELETE', '/api/v1/sessions/current', () => ({ fail: 'request:fail timeout' }));
    await expect(client.logout()).resolves.toEqual({ revokedOnServer: false });
    expect(client.hasSession()).toBe(false);
    expect(wx.loginCalls).toBe(0);
  });

  it('treats 401 as already revoked (no re-login)', async () => {
    const { wx, backend, client } = signedIn();
    backend.revokeAll();
    await expect(client.logout()).resolves.toEqual({ revokedOnServer: true });
    expect(wx.loginCalls).toBe(0);
    expect(wx.calls('DELETE', '/api/v1/sessions/current')).toHaveLength(1);
  });

  it('with no session sends nothing', async () => {
    const { wx, client } = setup();
    await client.logout();
    expect(wx.requests).toHaveLength(0);
  });
});
