import { createHash } from 'node:crypto';
import {
  CreateSessionResponseSchema,
  ErrorEnvelopeSchema,
  SubscriptionViewSchema,
  UserViewSchema,
} from '@wxlink/contracts';
import { holdFirstInserts } from '../../support/commands';
import { startTestServer, type TestServer } from '../../support/harness';
import { waitFor } from '../../support/cluster';
import { listImported } from '../../../src/official-account/followers/subscription';
import { usableSessionKeys } from '../../../src/mini-program/sessions/session-keys';

/** A clock the test can move forward; the sandbox keeps real time. */
const clock = {
  offsetMs: 0,
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  },
};

let t: TestServer;
beforeAll(async () => {
  // The runtime's own workers: the follower import runs in the background at start.
  t = await startTestServer({ clock, workers: {} });
  // The status is `unknown` until the follower list has been imported once (in the
  // background at start): wait for it so that answers do not change under the test.
  await waitFor(
    'the first follower import',
    () => listImported(t.deps, t.config.officialAccount.appid),
    10_000,
    25,
  );
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  clock.offsetMs = 0;
  t.sandbox.clearFaults();
});

function expectError(res: { status: number; body: unknown }, status: number, code: string): void {
  expect(res.status).toBe(status);
  const envelope = ErrorEnvelopeSchema.parse(res.body);
  expect(envelope.error.code).toBe(code);
  expect(envelope.error.requestId).toBeTruthy();
}

describe('the full mini-program flow', () => {
  it('login → me → profile → phone → subscription → logout', async () => {
    const user = t.sandbox.createUser({ nickName: 'Alice', phone: '13800138000' });
    const code = t.sandbox.mintLoginCode(user);
    const created = await t.api('POST', '/api/v1/sessions', { code });
    expect(created.status).toBe(201);
    const session = CreateSessionResponseSchema.parse(created.body);
    expect(session.user).toMatchObject({
      loginCount: 1,
      hasUnionId: true,
      nickname: null,
      phone: null,
    });
    expect(new Date(session.expiresAt).getTime() - Date.now()).toBeGreaterThan(
      t.config.sessionTtlSeconds * 1000 - 60_000,
    );
    // 256 bits, base64url, stored only as its hash.
    expect(session.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.deps.models.Session.countDocuments({ tokenHash: session.token })).toBe(0);
    const hash = createHash('sha256').update(session.token).digest('hex');
    expect(await t.deps.models.Session.countDocuments({ tokenHash: hash })).toBe(1);

    const me = await t.api('GET', '/api/v1/me', undefined, session.token);
    expect(me.status).toBe(200);
    expect(UserViewSchema.parse(me.body)).toEqual(session.user);

    const payload = t.sandbox.userInfoPayload(user);
    const profile = await t.api('POST', '/api/v1/me/profile', payload, session.token);
    expect(profile.status).toBe(200);
    expect(UserViewSchema.parse(profile.body)).toMatchObject({
      nickname: 'Alice',
      hasUnionId: true,
    });
    expect(profile.body.avatarUrl).toMatch(/^https:\/\//);

    const phone = await t.api(
      'POST',
      '/api/v1/me/phone',
      { code: t.sandbox.mintPhoneCode(user) },
      session.token,
    );
    expect(phone.status).toBe(200);
    expect(phone.body.phone).toBe('138****8000');

    const sub = await t.api('GET', '/api/v1/me/subscription', undefined, session.token);
    expect(sub.status).toBe(200);
    expect(SubscriptionViewSchema.parse(sub.body)).toMatchObject({
      officialAccountAppid: t.config.officialAccount.appid,
    });
    expect(['never', 'subscribed', 'unsubscribed']).toContain(sub.body.status);

    // Nothing internal leaks into any response.
    const stored = await t.deps.models.User.findById(session.user.id).lean();
    const keys = Object.values(stored!.sessionKeys ?? {});
    expect(keys.length).toBeGreaterThan(0);
    for (const res of [created, me, profile, phone, sub]) {
      expect(res.text).not.toContain(stored!.miniOpenid);
      expect(res.text).not.toContain(stored!.unionid!);
      for (const key of keys) expect(res.text).not.toContain(key);
      expect(res.text).not.toContain('13800138000');
    }

    const out = await t.api('DELETE', '/api/v1/sessions/current', undefined, session.token);
    expect(out.status).toBe(204);
    expectError(await t.api('GET', '/api/v1/me', undefined, session.token), 401, 'SESSION_INVALID');
    expectError(
      await t.api('DELETE', '/api/v1/sessions/current', undefined, session.token),
      401,
      'SESSION_INVALID',
    );
  });

  it('counts logins, keeps one user per openid, and records an audit entry per login', async () => {
    const first = await t.login();
    const second = await t.login(first.sandboxUser);
    expect(second.body.user.id).toBe(first.body.user.id);
    expect(second.body.user.loginCount).toBe(2);
    const user = await t.deps.models.User.findById(first.body.user.id).lean();
    expect(user!.lastLoginIp).toMatch(/127\.0\.0\.1/);
    const audits = await t.deps.models.LoginAudit.find({ userId: user!._id }).lean();
    expect(audits.map((a) => a.outcome)).toEqual(['ok', 'ok']);
    expect(audits.filter((a) => a.firstLogin)).toHaveLength(1);
    // Both sessions stay valid.
    for (const token of [first.token, second.token]) {
      expect((await t.api('GET', '/api/v1/me', undefined, token)).status).toBe(200);
    }
  });

  it('answers unknown for a user without a unionid', async () => {
    const user = t.sandbox.createUser({ unionid: null });
    const { token, body } = await t.login(user);
    expect(body.user.hasUnionId).toBe(false);
    const sub = await t.api('GET', '/api/v1/me/subscription', undefined, token);
    expect(sub.body.status).toBe('unknown');
  });
});

describe('concurrent first logins', () => {
  it('50 parallel first logins of one user → one user document, 50 valid sessions', async () => {
    const user = t.sandbox.createUser();
    const codes = Array.from({ length: 50 }, () => t.sandbox.mintLoginCode(user));
    const results = await Promise.all(
      codes.map((code) => t.api('POST', '/api/v1/sessions', { code })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const ids = new Set(results.map((r) => r.body.user.id as string));
    expect(ids.size).toBe(1);
    const stored = await t.deps.models.User.find({ miniOpenid: user.miniOpenid }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.loginCount).toBe(50);
    expect(await t.deps.models.Session.countDocuments({ userId: stored[0]!._id })).toBe(50);
    const me = await Promise.all(
      results.map((r) => t.api('GET', '/api/v1/me', undefined, r.body.token)),
    );
    expect(me.every((r) => r.status === 200)).toBe(true);
    // Latest wins: the key on record is the one WeChat holds now.
    const keys = await usableSessionKeys(t.deps, stored[0]!);
    expect(keys.current).toBe(t.sandbox.sessionKeyOf(user));
  });
});

/** Documents and commands the grouped inserts have sent into `collection` so far. */
async function insertBatches(collection: string): Promise<{ docs: number; commands: number }> {
  const values = (await t.deps.metrics.dbInsertBatchSize.get()).values.filter(
    (v) => v.labels.collection === collection,
  );
  const of = (name: string) => values.find((v) => v.metricName === name)?.value ?? 0;
  return { docs: of('db_insert_batch_size_sum'), commands: of('db_insert_batch_size_count') };
}

describe('logins arriving together', () => {
  it('20 users at once: each gets a working token and one audit entry; the inserts share commands', async () => {
    const users = Array.from({ length: 20 }, () => t.sandbox.createUser());
    const before = {
      sessions: await insertBatches('sessions'),
      audits: await insertBatches('login_audits'),
      auditRows: await t.deps.models.LoginAudit.countDocuments({ outcome: 'ok' }),
    };
    // Both slots of each collection busy for a while: the others wait and share commands.
    holdFirstInserts(t.deps.models.Session.collection, 2, 300);
    holdFirstInserts(t.deps.models.LoginAudit.collection, 2, 300);
    const results = await Promise.all(
      users.map((u) => t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(u) })),
    ).finally(() => jest.restoreAllMocks());
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const me = await Promise.all(
      results.map((r) => t.api('GET', '/api/v1/me', undefined, r.body.token)),
    );
    expect(me.map((r) => r.body.id)).toEqual(results.map((r) => r.body.user.id));
    expect(await t.deps.models.LoginAudit.countDocuments({ outcome: 'ok' })).toBe(
      before.auditRows + 20,
    );
    for (const [collection, was] of [
      ['sessions', before.sessions],
      ['login_audits', before.audits],
    ] as const) {
      const now = await insertBatches(collection);
      expect(now.docs - was.docs).toBe(20);
      expect(now.commands - was.commands).toBeLessThan(20);
    }
  });
});

describe('bearer authentication', () => {
  it('rejects missing, malformed, unknown, expired and revoked tokens with 401 SESSION_INVALID', async () => {
    const { token } = await t.login();
    expectError(await t.api('GET', '/api/v1/me'), 401, 'SESSION_INVALID');
    expectError(
      await t.raw('GET', '/api/v1/me', { headers: { authorization: token } }),
      401,
      'SESSION_INVALID',
    );
    expectError(
      await t.raw('GET', '/api/v1/me', { headers: { authorization: `Basic ${token}` } }),
      401,
      'SESSION_INVALID',
    );
    expectError(await t.api('GET', '/api/v1/me', undefined, 'not-a-token'), 401, 'SESSION_INVALID');
    expectError(
      await t.api('GET', '/api/v1/me', undefined, 'A'.repeat(43)),
      401,
      'SESSION_INVALID',
    );
    expectError(await t.api('GET', '/api/v1/me', undefined, `${token}x`), 401, 'SESSION_INVALID');

    expect((await t.api('GET', '/api/v1/me', undefined, token)).status).toBe(200);
    // Past the TTL the token is dead even though the TTL index has not removed it.
    clock.offsetMs = t.config.sessionTtlSeconds * 1000 + 1000;
    expectError(await t.api('GET', '/api/v1/me', undefined, token), 401, 'SESSION_INVALID');
    expectError(
      await t.api('GET', '/api/v1/me/subscription', undefined, token),
      401,
      'SESSION_INVALID',
    );
    clock.offsetMs = 0;

    await t.api('DELETE', '/api/v1/sessions/current', undefined, token);
    const payload = t.sandbox.userInfoPayload(t.sandbox.createUser());
    for (const [method, path, body] of [
      ['GET', '/api/v1/me', undefined],
      ['GET', '/api/v1/me/subscription', undefined],
      ['PUT', '/api/v1/me/profile', { nickname: 'x' }],
      ['POST', '/api/v1/me/profile', payload],
      ['POST', '/api/v1/me/phone', { code: 'abc' }],
      ['POST', '/api/v1/me/avatar', undefined],
      ['DELETE', '/api/v1/sessions/current', undefined],
    ] as const) {
      expectError(await t.api(method, path, body, token), 401, 'SESSION_INVALID');
    }
  });

  it('logging out one session leaves the others alive', async () => {
    const a = await t.login();
    const b = await t.login(a.sandboxUser);
    await t.api('DELETE', '/api/v1/sessions/current', undefined, a.token);
    expect((await t.api('GET', '/api/v1/me', undefined, a.token)).status).toBe(401);
    expect((await t.api('GET', '/api/v1/me', undefined, b.token)).status).toBe(200);
  });
});

describe('login errors from WeChat', () => {
  it('401 WECHAT_CODE_INVALID for an unknown code and for a reused one', async () => {
    expectError(
      await t.api('POST', '/api/v1/sessions', { code: 'never-minted-code' }),
      401,
      'WECHAT_CODE_INVALID',
    );
    const user = t.sandbox.createUser();
    const code = t.sandbox.mintLoginCode(user);
    expect((await t.api('POST', '/api/v1/sessions', { code })).status).toBe(201);
    expectError(await t.api('POST', '/api/v1/sessions', { code }), 401, 'WECHAT_CODE_INVALID');
  });

  it('403 WECHAT_USER_BLOCKED for a high-risk user, and no user is created', async () => {
    const user = t.sandbox.createUser({ blocked: true });
    const before = await t.deps.models.User.countDocuments();
    const res = await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) });
    expectError(res, 403, 'WECHAT_USER_BLOCKED');
    expect(await t.deps.models.User.countDocuments()).toBe(before);
    const audit = await t.deps.models.LoginAudit.findOne({ outcome: 'WECHAT_USER_BLOCKED' }).lean();
    expect(audit).not.toBeNull();
  });

  it('502 WECHAT_UNAVAILABLE when WeChat is busy (-1) or drops the connection', async () => {
    const user = t.sandbox.createUser();
    t.sandbox.injectFault('sns/jscode2session', { errcode: -1, times: 1 });
    expectError(
      await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) }),
      502,
      'WECHAT_UNAVAILABLE',
    );
    t.sandbox.injectFault('sns/jscode2session', { drop: true, times: 1 });
    expectError(
      await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) }),
      502,
      'WECHAT_UNAVAILABLE',
    );
    // The daily-quota errcode is common to every WeChat API; a login's contract has no 402.
    t.sandbox.injectFault('sns/jscode2session', { errcode: 45009, times: 1 });
    expectError(
      await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) }),
      502,
      'WECHAT_UNAVAILABLE',
    );
    // And it recovers.
    expect(
      (await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) })).status,
    ).toBe(201);
  });
});

describe('login rate limit', () => {
  it('429 RATE_LIMITED past LOGIN_RATE_LIMIT_PER_MINUTE, shared by instances on one database', async () => {
    const env = { LOGIN_RATE_LIMIT_PER_MINUTE: '3' };
    const a = await startTestServer({ env, sandbox: t.sandbox });
    const b = await startTestServer({ env, sandbox: t.sandbox, dbName: a.dbName });
    try {
      const statuses: number[] = [];
      for (const server of [a, b, a]) {
        statuses.push((await server.api('POST', '/api/v1/sessions', { code: 'x' })).status);
      }
      // Invalid codes still count: the limit protects the code exchange itself.
      expect(statuses).toEqual([401, 401, 401]);
      const limited = await b.api('POST', '/api/v1/sessions', {
        code: t.sandbox.mintLoginCode(t.sandbox.createUser()),
      });
      expectError(limited, 429, 'RATE_LIMITED');
      expect(
        limited.headers.get('ratelimit-policy') ?? limited.headers.get('ratelimit'),
      ).toBeTruthy();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('routing', () => {
  it('404 NOT_FOUND for unknown routes and methods', async () => {
    expectError(await t.api('GET', '/api/v1/nope'), 404, 'NOT_FOUND');
    expectError(await t.api('PATCH', '/api/v1/me'), 404, 'NOT_FOUND');
    expectError(await t.api('GET', '/api/v1/avatars/000000000000000000000000'), 404, 'NOT_FOUND');
  });

  it('sets a request id on every answer and echoes a sane incoming one', async () => {
    const res = await t.raw('GET', '/api/v1/me', { headers: { 'x-request-id': 'req-12345678' } });
    expect(res.headers.get('x-request-id')).toBe('req-12345678');
    expect(res.body.error.requestId).toBe('req-12345678');
    const bad = await t.raw('GET', '/api/v1/me', { headers: { 'x-request-id': 'x y<script>' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves health, readiness and metrics', async () => {
    expect((await t.api('GET', '/healthz')).status).toBe(200);
    expect((await t.api('GET', '/readyz')).status).toBe(200);
    const metrics = await t.api('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('logins_total');
    expect(metrics.text).toContain('wechat_api_duration_seconds');
  });
});
