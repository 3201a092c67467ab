import { ErrorEnvelopeSchema, UserViewSchema } from '@wxlink/contracts';
import { startTestServer, type TestServer } from '../../support/harness';

/**
 * Drops `unionid` from code2Session answers, to exercise the path where the
 * unionid only arrives in the decrypted user data (unionId, capital I).
 */
const withoutCode2SessionUnionid: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const url = new URL(
    typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
  );
  if (!url.pathname.endsWith('/sns/jscode2session')) return res;
  const body = (await res.json()) as Record<string, unknown>;
  delete body.unionid;
  return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
};

let t: TestServer;
let noUnionid: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { SESSION_KEY_GRACE_SECONDS: '300' } });
  noUnionid = await startTestServer({
    sandbox: t.sandbox,
    wechatFetch: withoutCode2SessionUnionid,
    // The follower import runs at start, so a known unionid can be answered `never`.
    workers: {},
  });
});
afterAll(async () => {
  await noUnionid?.close();
  await t?.close();
});
afterEach(() => {
  t.sandbox.clearFaults();
});

function expectError(res: { status: number; body: unknown }, status: number, code: string): void {
  expect({ status: res.status, code: ErrorEnvelopeSchema.parse(res.body).error.code }).toEqual({
    status,
    code,
  });
}

describe('POST /api/v1/me/profile with a rotated session_key', () => {
  it('accepts the first login’s payload after a second login (previous key, inside the grace window)', async () => {
    const user = t.sandbox.createUser({ nickName: 'First' });
    const first = await t.login(user);
    const firstPayload = t.sandbox.userInfoPayload(user);
    const second = await t.login(user);
    const res = await t.api('POST', '/api/v1/me/profile', firstPayload, second.token);
    expect(res.status).toBe(200);
    expect(res.body.nickname).toBe('First');
    // The first session is still valid and sees the same user.
    expect((await t.api('GET', '/api/v1/me', undefined, first.token)).body.nickname).toBe('First');
  });

  it('409 SESSION_KEY_STALE for a payload under a key the server never received; fresh login + payload → 200', async () => {
    const user = t.sandbox.createUser({ nickName: 'Stale' });
    const { token } = await t.login(user);
    // A wx.login whose code never reaches the server rotates the key anyway.
    t.sandbox.mintLoginCode(user);
    const unknownKeyPayload = t.sandbox.userInfoPayload(user);
    expectError(
      await t.api('POST', '/api/v1/me/profile', unknownKeyPayload, token),
      409,
      'SESSION_KEY_STALE',
    );
    expect((await t.api('GET', '/api/v1/me', undefined, token)).body.nickname).toBeNull();

    const fresh = await t.login(user);
    const res = await t.api(
      'POST',
      '/api/v1/me/profile',
      t.sandbox.userInfoPayload(user),
      fresh.token,
    );
    expect(res.status).toBe(200);
    expect(res.body.nickname).toBe('Stale');
  });

  it('422 SIGNATURE_INVALID for tampered rawData under the current key', async () => {
    const user = t.sandbox.createUser({ nickName: 'Honest' });
    const { token } = await t.login(user);
    const payload = t.sandbox.userInfoPayload(user);
    const tampered = { ...payload, rawData: payload.rawData.replace('Honest', 'Mallory') };
    expectError(
      await t.api('POST', '/api/v1/me/profile', tampered, token),
      422,
      'SIGNATURE_INVALID',
    );
    const forged = { ...payload, signature: 'a'.repeat(40) };
    expectError(await t.api('POST', '/api/v1/me/profile', forged, token), 422, 'SIGNATURE_INVALID');
    expect((await t.api('GET', '/api/v1/me', undefined, token)).body.nickname).toBeNull();
  });

  it('409 SESSION_KEY_STALE for a payload under the previous key once the grace window is over', async () => {
    const server = await startTestServer({
      sandbox: t.sandbox,
      env: { SESSION_KEY_GRACE_SECONDS: '0' },
    });
    try {
      const user = t.sandbox.createUser();
      await server.login(user);
      const oldPayload = t.sandbox.userInfoPayload(user);
      const { token } = await server.login(user);
      await new Promise((r) => setTimeout(r, 5));
      // Genuine but too old: the client logs in again and takes fresh data.
      expectError(
        await server.api('POST', '/api/v1/me/profile', oldPayload, token),
        409,
        'SESSION_KEY_STALE',
      );
    } finally {
      await server.close();
    }
  });

  it('502 WECHAT_UNAVAILABLE when checksession cannot be asked', async () => {
    const user = t.sandbox.createUser();
    const { token } = await t.login(user);
    const payload = t.sandbox.userInfoPayload(user);
    t.sandbox.injectFault('wxa/checksession', { errcode: -1 });
    const res = await t.api(
      'POST',
      '/api/v1/me/profile',
      { ...payload, signature: 'b'.repeat(40) },
      token,
    );
    expectError(res, 502, 'WECHAT_UNAVAILABLE');
  });
});

describe('POST /api/v1/me/profile data checks', () => {
  it('422 USER_DATA_EXPIRED for a watermark older than WATERMARK_MAX_AGE_SECONDS', async () => {
    const user = t.sandbox.createUser();
    const { token } = await t.login(user);
    const old = t.sandbox.userInfoPayload(user, {
      watermarkTimestamp: Math.floor(Date.now() / 1000) - t.config.watermarkMaxAgeSeconds - 60,
    });
    expectError(await t.api('POST', '/api/v1/me/profile', old, token), 422, 'USER_DATA_EXPIRED');
  });

  it('422 USER_DATA_INVALID when encryptedData or iv do not open under the verified key', async () => {
    const user = t.sandbox.createUser();
    const { token } = await t.login(user);
    const payload = t.sandbox.userInfoPayload(user);
    const other = t.sandbox.userInfoPayload(t.sandbox.createUser());
    expectError(
      await t.api(
        'POST',
        '/api/v1/me/profile',
        { ...payload, encryptedData: other.encryptedData },
        token,
      ),
      422,
      'USER_DATA_INVALID',
    );
    expectError(
      await t.api(
        'POST',
        '/api/v1/me/profile',
        { ...payload, iv: 'AAAAAAAAAAAAAAAAAAAAAA==' },
        token,
      ),
      422,
      'USER_DATA_INVALID',
    );
  });

  it('422 SIGNATURE_INVALID for another user’s payload (signed with their key, not ours)', async () => {
    const user = t.sandbox.createUser();
    const { token } = await t.login(user);
    const otherUser = t.sandbox.createUser();
    await t.login(otherUser);
    expectError(
      await t.api('POST', '/api/v1/me/profile', t.sandbox.userInfoPayload(otherUser), token),
      422,
      'SIGNATURE_INVALID',
    );
  });

  it('never overwrites a real profile with the anonymous 微信用户 one', async () => {
    const user = t.sandbox.createUser({ nickName: 'Real Name' });
    const { token } = await t.login(user);
    await t.api('POST', '/api/v1/me/profile', t.sandbox.userInfoPayload(user), token);
    const anon = await t.api(
      'POST',
      '/api/v1/me/profile',
      t.sandbox.userInfoPayload(user, { anonymous: true }),
      token,
    );
    expect(anon.status).toBe(200);
    expect(anon.body.nickname).toBe('Real Name');
    expect(anon.body.avatarUrl).not.toContain('POgEwh4mIHO4nibH0KlMECNjjGxQUq24');
  });

  it('takes the unionid from the decrypted data when code2Session has none', async () => {
    const user = noUnionid.sandbox.createUser();
    const { token, body } = await noUnionid.login(user);
    expect(body.user.hasUnionId).toBe(false);
    expect(
      (await noUnionid.api('GET', '/api/v1/me/subscription', undefined, token)).body.status,
    ).toBe('unknown');
    // Even the anonymous profile carries unionId.
    const res = await noUnionid.api(
      'POST',
      '/api/v1/me/profile',
      noUnionid.sandbox.userInfoPayload(user, { anonymous: true }),
      token,
    );
    expect(res.status).toBe(200);
    expect(res.body.hasUnionId).toBe(true);
    expect(res.body.nickname).toBeNull();
    const stored = await noUnionid.deps.models.User.findById(body.user.id).lean();
    expect(stored!.unionid).toBe(user.unionid);
    expect(
      (await noUnionid.api('GET', '/api/v1/me/subscription', undefined, token)).body.status,
    ).not.toBe('unknown');
  });
});

describe('PUT /api/v1/me/profile and avatars', () => {
  const PNG = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );
  const JPEG = Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\0'),
    Buffer.alloc(64),
  ]);

  function upload(
    token: string,
    data: Buffer,
    filename = 'a.png',
    field = 'file',
    type = 'image/png',
  ) {
    const form = new FormData();
    form.append(field, new Blob([data], { type }), filename);
    return t.raw('POST', '/api/v1/me/avatar', {
      body: form,
      headers: { authorization: `Bearer ${token}` },
    });
  }

  it('updates nickname and avatarUrl', async () => {
    const { token } = await t.login();
    const res = await t.api(
      'PUT',
      '/api/v1/me/profile',
      { nickname: '  小明  ', avatarUrl: 'https://example.com/a.png' },
      token,
    );
    expect(res.status).toBe(200);
    expect(UserViewSchema.parse(res.body)).toMatchObject({
      nickname: '小明',
      avatarUrl: 'https://example.com/a.png',
    });
  });

  it('stores an uploaded image in GridFS and serves it with its detected type', async () => {
    const { token } = await t.login();
    const res = await upload(token, PNG, 'photo.jpg', 'file', 'image/jpeg');
    expect(res.status).toBe(201);
    expect(res.body.avatarUrl).toMatch(/^\/api\/v1\/avatars\/[A-Za-z0-9_-]{22}$/);
    const served = await t.raw('GET', res.body.avatarUrl);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');

    const jpeg = await upload(token, JPEG, 'x.png');
    expect(jpeg.status).toBe(201);
    expect((await t.raw('GET', jpeg.body.avatarUrl)).headers.get('content-type')).toBe(
      'image/jpeg',
    );

    const set = await t.api('PUT', '/api/v1/me/profile', { avatarUrl: res.body.avatarUrl }, token);
    expect(set.status).toBe(200);
    expect(set.body.avatarUrl).toBe(res.body.avatarUrl);
  });

  it('rejects non-images, oversized files, a missing file and other users’ avatars', async () => {
    const { token } = await t.login();
    const files = t.deps.db.collection('avatars.files');
    const before = await files.countDocuments();
    expectError(
      await upload(token, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'a.png'),
      400,
      'VALIDATION_FAILED',
    );
    // CVE-2026-31808's ASF header, which hung file-type 16 and with it the whole server.
    const asf = Buffer.alloc(200);
    Buffer.from('3026b2758e66cf11a6d900aa0062ce6c', 'hex').copy(asf, 0);
    expectError(await upload(token, asf, 'a.png'), 400, 'VALIDATION_FAILED');
    // A real file type, just not an allowed image one.
    expectError(
      await upload(token, Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n'), 'a.gif'),
      400,
      'VALIDATION_FAILED',
    );
    const huge = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]);
    expectError(await upload(token, huge), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await upload(token, PNG, 'a.png', 'avatar'), 400, 'VALIDATION_FAILED');
    expectError(
      await t.raw('POST', '/api/v1/me/avatar', {
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'multipart/form-data; boundary=xyz',
        },
        body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
      }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await t.api('POST', '/api/v1/me/avatar', { file: PNG.toString('base64') }, token),
      400,
      'VALIDATION_FAILED',
    );
    expect(await files.countDocuments()).toBe(before);

    const other = await t.login();
    const theirs = await upload(other.token, PNG);
    expectError(
      await t.api('PUT', '/api/v1/me/profile', { avatarUrl: theirs.body.avatarUrl }, token),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await t.api(
        'PUT',
        '/api/v1/me/profile',
        { avatarUrl: '/api/v1/avatars/0123456789abcdef01234567' },
        token,
      ),
      400,
      'VALIDATION_FAILED',
    );
  });
});

describe('POST /api/v1/me/phone errors', () => {
  it('401 WECHAT_CODE_INVALID for an unknown or reused code', async () => {
    const { token, sandboxUser } = await t.login();
    expectError(
      await t.api('POST', '/api/v1/me/phone', { code: 'nope' }, token),
      401,
      'WECHAT_CODE_INVALID',
    );
    const code = t.sandbox.mintPhoneCode(sandboxUser);
    expect((await t.api('POST', '/api/v1/me/phone', { code }, token)).status).toBe(200);
    expectError(
      await t.api('POST', '/api/v1/me/phone', { code }, token),
      401,
      'WECHAT_CODE_INVALID',
    );
  });

  it('402 WECHAT_QUOTA_EXHAUSTED if WeChat answers 1400001 at the exchange', async () => {
    // WeChat normally reports the quota on the button (e.detail.errno 1400001) and
    // never mints a code; the server still maps the errcode should the exchange say it.
    const { token, sandboxUser } = await t.login();
    const code = t.sandbox.mintPhoneCode(sandboxUser);
    t.sandbox.injectFault('wxa/business/getuserphonenumber', { errcode: 1400001, times: 1 });
    expectError(
      await t.api('POST', '/api/v1/me/phone', { code }, token),
      402,
      'WECHAT_QUOTA_EXHAUSTED',
    );
    expect((await t.api('GET', '/api/v1/me', undefined, token)).body.phone).toBeNull();
  });

  it('with no quota left WeChat mints no code at all (errno 1400001 on the button)', () => {
    const user = t.sandbox.createUser({ phone: '13700002222' });
    t.sandbox.setPhoneQuota(0);
    try {
      expect(() => t.sandbox.mintPhoneCode(user)).toThrow(
        expect.objectContaining({ errno: 1400001 }) as Error,
      );
    } finally {
      t.sandbox.setPhoneQuota(Infinity);
    }
  });

  it("401 WECHAT_CODE_INVALID when one user redeems another user's phone code", async () => {
    const alice = t.sandbox.createUser({ phone: '13700003333' });
    const bob = await t.login();
    const alicesCode = t.sandbox.mintPhoneCode(alice);
    expectError(
      await t.api('POST', '/api/v1/me/phone', { code: alicesCode }, bob.token),
      401,
      'WECHAT_CODE_INVALID',
    );
    expect((await t.api('GET', '/api/v1/me', undefined, bob.token)).body.phone).toBeNull();
  });

  it('502 WECHAT_UNAVAILABLE when WeChat fails', async () => {
    const { token, sandboxUser } = await t.login();
    t.sandbox.injectFault('wxa/business/getuserphonenumber', { errcode: -1 });
    expectError(
      await t.api(
        'POST',
        '/api/v1/me/phone',
        { code: t.sandbox.mintPhoneCode(sandboxUser) },
        token,
      ),
      502,
      'WECHAT_UNAVAILABLE',
    );
  });

  it('masks international numbers too', async () => {
    const user = t.sandbox.createUser({ phone: '2025550123', countryCode: '1' });
    const { token } = await t.login(user);
    const res = await t.api(
      'POST',
      '/api/v1/me/phone',
      { code: t.sandbox.mintPhoneCode(user) },
      token,
    );
    expect(res.status).toBe(200);
    expect(res.body.phone).not.toContain('5550');
    expect(res.body.phone).toMatch(/\*{4}/);
  });
});
