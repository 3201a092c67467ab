import type { z } from 'zod';
import {
  API_ROUTES,
  AvatarUploadResponseSchema,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  DEVTOOLS_TOURIST_LOGIN_CODE,
  HTTP_LIMITS,
  LinkageEventSchema,
  SubscriptionListResponseSchema,
  PhoneBindRequestSchema,
  ProfileAuthorizationRequestSchema,
  ProfileUpdateRequestSchema,
  SubscriptionStatusSchema,
  SubscriptionViewSchema,
  UserViewSchema,
} from '../src/http';
import type { ApiRequest, ApiResponse, ApiRouteName, UserView } from '../src/http';
import { isErrorCode } from '../src/errors';

const accepts = (schema: z.ZodType, input: unknown): void => {
  const result = schema.safeParse(input);
  if (!result.success) throw new Error(`expected success: ${result.error.message}`);
};
const rejects = (schema: z.ZodType, input: unknown): void => {
  expect(schema.safeParse(input).success).toBe(false);
};

const subscription = {
  officialAccountAppid: 'wx1234567890abcdef',
  status: 'subscribed',
  subscribedAt: '2024-05-01T08:00:00.000Z',
} as const;

const user: UserView = {
  id: '665f1c2e8a1b2c3d4e5f6a7b',
  nickname: '张三',
  avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/abc/132',
  phone: '138****8000',
  hasUnionId: true,
  subscription,
  createdAt: '2024-05-01T08:00:00.000Z',
  lastLoginAt: '2024-05-02T08:00:00Z',
  loginCount: 3,
};

// The official WXBizDataCrypt sample's iv and a well-formed base64 blob.
const profileAuth = {
  rawData: '{"nickName":"Band","gender":1}',
  signature: '75e81ceda165f4ffa64f4068af58c64b8f54b88c',
  encryptedData:
    'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7f',
  iv: 'r7BXXKkLb8qrSNn05n0qiA==',
};

describe('CreateSessionRequestSchema / PhoneBindRequestSchema', () => {
  const schemas = [CreateSessionRequestSchema, PhoneBindRequestSchema];

  it.each(schemas.map((s) => [s]))('accepts real-looking codes', (schema) => {
    accepts(schema, { code: '0a3Kx8000c9TbW1Yk0300tKQSK3Kx80Y' });
    accepts(schema, { code: 'e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144' });
    accepts(schema, { code: 'x'.repeat(HTTP_LIMITS.codeMaxLength) });
  });

  it.each(schemas.map((s) => [s]))(
    'rejects wrong types, operators, extras and oversize',
    (schema) => {
      rejects(schema, { code: { $gt: '' } });
      rejects(schema, { code: ['abc'] });
      rejects(schema, { code: 123 });
      rejects(schema, { code: null });
      rejects(schema, {});
      rejects(schema, { code: '' });
      rejects(schema, { code: 'abc', extra: true });
      rejects(schema, { code: 'x'.repeat(HTTP_LIMITS.codeMaxLength + 1) });
      rejects(schema, { code: 'abc\u0000' });
      rejects(schema, { code: 'abc\n' });
      rejects(schema, { code: 'has space' });
      rejects(schema, { code: '码' });
      rejects(schema, 'abc');
      rejects(schema, null);
    },
  );
});

describe('SubscriptionStatusSchema / SubscriptionViewSchema', () => {
  it('has exactly the four statuses', () => {
    expect(SubscriptionStatusSchema.options).toEqual([
      'subscribed',
      'unsubscribed',
      'never',
      'unknown',
    ]);
  });

  it('accepts views with and without times', () => {
    accepts(SubscriptionViewSchema, subscription);
    accepts(SubscriptionViewSchema, { officialAccountAppid: 'wxsandbox_oa', status: 'unknown' });
    accepts(SubscriptionViewSchema, {
      ...subscription,
      status: 'unsubscribed',
      unsubscribedAt: '2024-06-01T00:00:00Z',
    });
  });

  it('rejects bad views', () => {
    rejects(SubscriptionViewSchema, { ...subscription, status: 'maybe' });
    rejects(SubscriptionViewSchema, { ...subscription, status: { $ne: 'x' } });
    rejects(SubscriptionViewSchema, { ...subscription, subscribedAt: '2024-05-01' });
    rejects(SubscriptionViewSchema, { ...subscription, subscribedAt: 1714550400 });
    rejects(SubscriptionViewSchema, { ...subscription, subscribedAt: 'yesterday' });
    rejects(SubscriptionViewSchema, { ...subscription, officialAccountAppid: '' });
    rejects(SubscriptionViewSchema, { ...subscription, officialAccountAppid: 'wx/../x' });
    rejects(SubscriptionViewSchema, { ...subscription, officialAccountAppid: 'w'.repeat(65) });
    rejects(SubscriptionViewSchema, { ...subscription, openid: 'o-leak' });
    rejects(SubscriptionViewSchema, { status: 'never' });
  });
});

describe('UserViewSchema', () => {
  it('accepts a full user, null fields and a server-relative avatar', () => {
    accepts(UserViewSchema, user);
    accepts(UserViewSchema, {
      ...user,
      nickname: null,
      avatarUrl: null,
      phone: null,
      loginCount: 0,
    });
    accepts(UserViewSchema, { ...user, avatarUrl: '/api/v1/avatars/665f1c2e.png' });
    accepts(UserViewSchema, { ...user, avatarUrl: 'http://localhost:3000/api/v1/avatars/a.jpg' });
  });

  it.each([
    ['leaks openid', { ...user, openid: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M' }],
    ['leaks session_key', { ...user, session_key: 'tiihtNczf5v6AKRyjwEUhQ==' }],
    ['missing subscription', { ...user, subscription: undefined }],
    ['bad nested subscription', { ...user, subscription: { ...subscription, extra: 1 } }],
    ['string loginCount', { ...user, loginCount: '3' }],
    ['fractional loginCount', { ...user, loginCount: 1.5 }],
    ['negative loginCount', { ...user, loginCount: -1 }],
    ['string hasUnionId', { ...user, hasUnionId: 'true' }],
    ['non-ISO createdAt', { ...user, createdAt: 'Wed May 01 2024' }],
    ['empty id', { ...user, id: '' }],
    ['oversize id', { ...user, id: 'x'.repeat(65) }],
    ['oversize nickname', { ...user, nickname: 'x'.repeat(129) }],
    ['oversize phone', { ...user, phone: '1'.repeat(33) }],
    ['javascript: avatar', { ...user, avatarUrl: 'javascript:alert(1)' }],
    ['operator avatar', { ...user, avatarUrl: { $regex: '.*' } }],
  ])('rejects %s', (_name, input) => {
    rejects(UserViewSchema, input);
  });
});

describe('CreateSessionResponseSchema', () => {
  const ok = {
    token: 'Qk9vT2xBbE5vdFJlYWxseUFUb2tlbkJ1dEZpbmU',
    expiresAt: '2024-05-08T08:00:00.000Z',
    user,
  };

  it('accepts a session', () => {
    accepts(CreateSessionResponseSchema, ok);
  });

  it('rejects bad sessions', () => {
    rejects(CreateSessionResponseSchema, { ...ok, token: 'short' });
    rejects(CreateSessionResponseSchema, {
      ...ok,
      token: 't'.repeat(HTTP_LIMITS.tokenMaxLength + 1),
    });
    rejects(CreateSessionResponseSchema, { ...ok, token: 'has spaces in the token value' });
    rejects(CreateSessionResponseSchema, { ...ok, expiresAt: 1715155200000 });
    rejects(CreateSessionResponseSchema, { ...ok, user: { ...user, loginCount: null } });
    rejects(CreateSessionResponseSchema, { ...ok, sessionKey: 'x' });
  });
});

describe('ProfileAuthorizationRequestSchema', () => {
  it('accepts the getUserInfo detail', () => {
    accepts(ProfileAuthorizationRequestSchema, profileAuth);
    accepts(ProfileAuthorizationRequestSchema, {
      ...profileAuth,
      rawData: 'x'.repeat(HTTP_LIMITS.rawDataMaxLength),
      encryptedData: 'A'.repeat(HTTP_LIMITS.encryptedDataMaxLength),
    });
    // every legal last character of a 16-byte base64 iv
    for (const c of ['A', 'Q', 'g', 'w']) {
      accepts(ProfileAuthorizationRequestSchema, { ...profileAuth, iv: `${'B'.repeat(21)}${c}==` });
    }
  });

  it.each([
    ['operator rawData', { ...profileAuth, rawData: { $gt: '' } }],
    ['empty rawData', { ...profileAuth, rawData: '' }],
    ['oversize rawData', { ...profileAuth, rawData: 'x'.repeat(HTTP_LIMITS.rawDataMaxLength + 1) }],
    ['uppercase signature', { ...profileAuth, signature: profileAuth.signature.toUpperCase() }],
    ['short signature', { ...profileAuth, signature: 'abc123' }],
    ['non-hex signature', { ...profileAuth, signature: 'z'.repeat(40) }],
    ['number signature', { ...profileAuth, signature: 1234 }],
    ['non-base64 encryptedData', { ...profileAuth, encryptedData: 'not base64!' }],
    ['unpadded encryptedData', { ...profileAuth, encryptedData: 'QUJD' + 'QQ' }],
    ['base64url encryptedData', { ...profileAuth, encryptedData: 'ab-_' }],
    [
      'oversize encryptedData',
      { ...profileAuth, encryptedData: 'A'.repeat(HTTP_LIMITS.encryptedDataMaxLength + 4) },
    ],
    ['iv of 15 bytes', { ...profileAuth, iv: 'AAAAAAAAAAAAAAAAAAAA' }],
    ['iv of 17 bytes', { ...profileAuth, iv: 'AAAAAAAAAAAAAAAAAAAAAAA=' }],
    ['non-canonical iv', { ...profileAuth, iv: 'r7BXXKkLb8qrSNn05n0qiB==' }],
    ['iv without padding', { ...profileAuth, iv: 'r7BXXKkLb8qrSNn05n0qiA' }],
    ['array iv', { ...profileAuth, iv: [profileAuth.iv] }],
    [
      'missing iv',
      {
        rawData: profileAuth.rawData,
        signature: profileAuth.signature,
        encryptedData: profileAuth.encryptedData,
      },
    ],
    ['extra cloudID', { ...profileAuth, cloudID: 'x' }],
  ])('rejects %s', (_name, input) => {
    rejects(ProfileAuthorizationRequestSchema, input);
  });
});

describe('ProfileUpdateRequestSchema', () => {
  it('accepts either or both fields and trims the nickname', () => {
    expect(ProfileUpdateRequestSchema.parse({ nickname: '  小明  ' })).toEqual({
      nickname: '小明',
    });
    accepts(ProfileUpdateRequestSchema, { avatarUrl: 'https://example.com/a.png' });
    accepts(ProfileUpdateRequestSchema, { avatarUrl: '/api/v1/avatars/abc_DEF-123.jpeg' });
    accepts(ProfileUpdateRequestSchema, { avatarUrl: '/api/v1/avatars/abc' });
    accepts(ProfileUpdateRequestSchema, {
      nickname: 'n',
      avatarUrl: 'http://127.0.0.1:3000/x.png',
    });
  });

  it('counts the 32-character limit in code points, not UTF-16 units', () => {
    const emoji32 = '😀'.repeat(32); // 64 UTF-16 units
    accepts(ProfileUpdateRequestSchema, { nickname: emoji32 });
    rejects(ProfileUpdateRequestSchema, { nickname: `${emoji32}😀` });
    accepts(ProfileUpdateRequestSchema, { nickname: 'a'.repeat(32) });
    rejects(ProfileUpdateRequestSchema, { nickname: 'a'.repeat(33) });
  });

  it('accepts joiners that emoji and scripts need, and right-to-left text', () => {
    for (const nickname of ['👨\u200D👩\u200D👧', 'می\u200Cخواهم', 'שלום', 'مرحبا', '小明😀']) {
      expect(ProfileUpdateRequestSchema.parse({ nickname })).toEqual({ nickname });
    }
  });

  it('names the character limit whichever check rejects a long nickname', () => {
    const messageFor = (nickname: string): string | undefined =>
      ProfileUpdateRequestSchema.safeParse({ nickname }).error?.issues[0]?.message;
    expect(messageFor('a'.repeat(33))).toBe('must be at most 32 characters');
    // Past the cheap UTF-16 pre-check (4 units per character), same message.
    expect(messageFor('a'.repeat(500))).toBe('must be at most 32 characters');
  });

  it.each([
    ['empty body', {}],
    ['blank nickname', { nickname: '   ' }],
    ['null nickname', { nickname: null }],
    ['operator nickname', { nickname: { $ne: null } }],
    ['control char in nickname', { nickname: 'a\u0007b' }],
    ['newline in nickname', { nickname: 'a\nb' }],
    ['DEL in nickname', { nickname: 'a\u007fb' }],
    ['C1 control in nickname', { nickname: 'a\u0085b' }],
    ['right-to-left override in nickname', { nickname: 'abc\u202Egnp.exe' }],
    ['left-to-right embedding in nickname', { nickname: 'a\u202Ab' }],
    ['pop directional formatting in nickname', { nickname: 'a\u202Cb' }],
    ['first strong isolate in nickname', { nickname: 'a\u2068b' }],
    ['pop directional isolate in nickname', { nickname: 'a\u2069b' }],
    ['right-to-left mark in nickname', { nickname: 'a\u200Fb' }],
    ['zero-width space in nickname', { nickname: 'ad\u200Bmin' }],
    ['byte order mark in nickname', { nickname: 'ad\uFEFFmin' }],
    ['lone high surrogate in nickname', { nickname: 'a\uD83Db' }],
    ['lone low surrogate in nickname', { nickname: 'a\uDE00b' }],
    ['reversed surrogate pair in nickname', { nickname: '\uDE00\uD83D' }],
    ['huge nickname', { nickname: 'a'.repeat(10_000) }],
    ['ftp avatar', { avatarUrl: 'ftp://example.com/a.png' }],
    ['data avatar', { avatarUrl: 'data:image/png;base64,AAAA' }],
    ['relative avatar elsewhere', { avatarUrl: '/etc/passwd' }],
    ['path traversal avatar', { avatarUrl: '/api/v1/avatars/../../secrets' }],
    ['nested avatar path', { avatarUrl: '/api/v1/avatars/a/b.png' }],
    [
      'oversize avatar url',
      { avatarUrl: `https://example.com/${'a'.repeat(HTTP_LIMITS.urlMaxLength)}` },
    ],
    ['unknown field', { nickname: 'ok', role: 'admin' }],
  ])('rejects %s', (_name, input) => {
    rejects(ProfileUpdateRequestSchema, input);
  });
});

describe('AvatarUploadResponseSchema', () => {
  it('accepts an avatar url and rejects anything else', () => {
    accepts(AvatarUploadResponseSchema, { avatarUrl: '/api/v1/avatars/665f1c2e.webp' });
    rejects(AvatarUploadResponseSchema, { avatarUrl: 'not a url' });
    rejects(AvatarUploadResponseSchema, { avatarUrl: '/api/v1/avatars/x.png', size: 10 });
    rejects(AvatarUploadResponseSchema, {});
  });
});

describe('API_ROUTES', () => {
  it('lists every mini-program route of the contract with its method, path, auth and status', () => {
    const table = Object.fromEntries(
      Object.entries(API_ROUTES).map(([name, r]) => [
        name,
        `${r.method} ${r.path} ${r.auth ? 'auth' : 'open'} ${r.status}`,
      ]),
    );
    expect(table).toEqual({
      createSession: 'POST /api/v1/sessions open 201',
      getMe: 'GET /api/v1/me auth 200',
      authorizeProfile: 'POST /api/v1/me/profile auth 200',
      updateProfile: 'PUT /api/v1/me/profile auth 200',
      uploadAvatar: 'POST /api/v1/me/avatar auth 201',
      bindPhone: 'POST /api/v1/me/phone auth 200',
      getSubscription: 'GET /api/v1/me/subscription auth 200',
      deleteSession: 'DELETE /api/v1/sessions/current auth 204',
      listSubscriptions: 'GET /api/v1/me/subscriptions auth 200',
      deleteAccount: 'DELETE /api/v1/me auth 204',
    });
  });

  it('wires each route to its schemas', () => {
    expect(API_ROUTES.createSession.request).toBe(CreateSessionRequestSchema);
    expect(API_ROUTES.createSession.response).toBe(CreateSessionResponseSchema);
    expect(API_ROUTES.authorizeProfile.request).toBe(ProfileAuthorizationRequestSchema);
    expect(API_ROUTES.updateProfile.request).toBe(ProfileUpdateRequestSchema);
    expect(API_ROUTES.bindPhone.request).toBe(PhoneBindRequestSchema);
    expect(API_ROUTES.uploadAvatar.response).toBe(AvatarUploadResponseSchema);
    expect(API_ROUTES.getSubscription.response).toBe(SubscriptionViewSchema);
    expect(API_ROUTES.listSubscriptions.response).toBe(SubscriptionListResponseSchema);
    for (const name of ['getMe', 'authorizeProfile', 'updateProfile', 'bindPhone'] as const) {
      expect(API_ROUTES[name].response).toBe(UserViewSchema);
    }
  });

  it('lists the error codes of each route as the contract defines them', () => {
    const table = Object.fromEntries(
      Object.entries(API_ROUTES).map(([name, r]) => [name, [...r.errors].sort().join(' ')]),
    );
    expect(table).toEqual({
      createSession:
        'ACCOUNT_BLOCKED RATE_LIMITED VALIDATION_FAILED WECHAT_CODE_INVALID WECHAT_UNAVAILABLE WECHAT_USER_BLOCKED',
      getMe: 'SESSION_INVALID',
      authorizeProfile:
        'SESSION_KEY_STALE SIGNATURE_INVALID USER_DATA_EXPIRED USER_DATA_INVALID VALIDATION_FAILED WECHAT_UNAVAILABLE',
      updateProfile: 'VALIDATION_FAILED',
      uploadAvatar: 'PAYLOAD_TOO_LARGE VALIDATION_FAILED',
      bindPhone: 'WECHAT_CODE_INVALID WECHAT_QUOTA_EXHAUSTED WECHAT_UNAVAILABLE',
      getSubscription: 'SESSION_INVALID',
      deleteSession: 'SESSION_INVALID',
      listSubscriptions: 'SESSION_INVALID',
      deleteAccount: 'SESSION_INVALID',
    });
    for (const route of Object.values(API_ROUTES)) {
      for (const code of route.errors) expect(isErrorCode(code)).toBe(true);
    }
  });

  it('has no JSON body exactly for GET, DELETE and the multipart upload, and no response body for 204', () => {
    for (const [name, route] of Object.entries(API_ROUTES)) {
      const bodyless =
        route.method === 'GET' || route.method === 'DELETE' || name === 'uploadAvatar';
      expect([name, route.request === null]).toEqual([name, bodyless]);
      expect([name, route.response === null]).toEqual([name, route.status === 204]);
    }
  });

  it('is frozen and has unique method + path pairs', () => {
    expect(Object.isFrozen(API_ROUTES)).toBe(true);
    const keys = Object.values(API_ROUTES).map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('types requests and responses from the schemas', () => {
    // Compile-time checks (ts-jest type-checks this file); the runtime part keeps them honest.
    const req: ApiRequest<'createSession'> = { code: 'abc' };
    const none: ApiRequest<'getMe'> = undefined;
    const noContent: ApiResponse<'deleteSession'> = undefined;
    const sub: ApiResponse<'getSubscription'> = { officialAccountAppid: 'wx1', status: 'never' };
    const me: ApiResponse<'getMe'> = user;
    // @ts-expect-error code must be a string
    const bad: ApiRequest<'bindPhone'> = { code: 1 };
    const name: ApiRouteName = 'uploadAvatar';
    expect([req.code, none, noContent, sub.status, me.id, typeof bad, name]).toEqual([
      'abc',
      undefined,
      undefined,
      'never',
      user.id,
      'object',
      'uploadAvatar',
    ]);
  });
});

describe('SubscriptionListResponseSchema', () => {
  it('accepts one view per account, with optional display fields', () => {
    accepts(SubscriptionListResponseSchema, {
      subscriptions: [
        { ...subscription, accountName: '示例服务号', qrCodeUrl: 'https://example.com/qr.jpg' },
        { officialAccountAppid: 'wx0000000000000002', status: 'unknown' },
      ],
    });
  });

  it('rejects an empty list, a bad QR URL and extras', () => {
    rejects(SubscriptionListResponseSchema, { subscriptions: [] });
    rejects(SubscriptionListResponseSchema, {
      subscriptions: [{ ...subscription, qrCodeUrl: 'javascript:alert(1)' }],
    });
    rejects(SubscriptionListResponseSchema, { subscriptions: [subscription], extra: 1 });
  });
});

describe('LinkageEventSchema', () => {
  const event = {
    id: 'evt_0123456789abcdef',
    type: 'user.followed',
    userId: '665f1c2e8a1b2c3d4e5f6a7b',
    officialAccountAppid: 'wx1234567890abcdef',
    at: '2024-05-01T08:00:00.000Z',
  };
  it('accepts both event types', () => {
    accepts(LinkageEventSchema, event);
    accepts(LinkageEventSchema, { ...event, type: 'user.unfollowed' });
  });
  it('rejects other types and raw identifiers', () => {
    rejects(LinkageEventSchema, { ...event, type: 'user.subscribed' });
    rejects(LinkageEventSchema, { ...event, openid: 'o123' });
  });
});

describe('DEVTOOLS_TOURIST_LOGIN_CODE', () => {
  it("passes as a login code (DevTools' tourist mode), while other spaced codes do not", () => {
    accepts(CreateSessionRequestSchema, { code: DEVTOOLS_TOURIST_LOGIN_CODE });
    rejects(CreateSessionRequestSchema, { code: `${DEVTOOLS_TOURIST_LOGIN_CODE}!` });
    rejects(CreateSessionRequestSchema, { code: 'the code is a mock two' });
  });
});
