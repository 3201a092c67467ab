import { CreateSessionResponseSchema } from '@wxlink/contracts';
import { startTestServer, type TestServer } from '../../support/harness';

/**
 * POST /api/v1/sessions runs the session_key store, the session insert, the
 * audit insert and the user view concurrently. Proven with a barrier: the
 * session insert and the audit insert each wait until the other one has
 * started. Run one after the other, the first would wait for a start that
 * only comes after it finishes, time out and fail the login.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  jest.restoreAllMocks();
});

const BARRIER_TIMEOUT_MS = 2000;

/** Resolves once every name has arrived; rejects after BARRIER_TIMEOUT_MS. */
function barrier(names: readonly string[]) {
  const arrived = new Set<string>();
  const waiters: (() => void)[] = [];
  return async (name: string): Promise<void> => {
    arrived.add(name);
    if (names.every((n) => arrived.has(n))) {
      waiters.splice(0).forEach((wake) => wake());
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} waited alone: the operations did not overlap`)),
        BARRIER_TIMEOUT_MS,
      );
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  };
}

describe('login latency', () => {
  it('inserts the session and the audit entry concurrently, and still answers correctly', async () => {
    const { Session, LoginAudit, SessionKey } = t.deps.models;
    const arrive = barrier(['session', 'audit', 'sessionKey']);
    const failures: unknown[] = [];
    const gate =
      <A extends unknown[], R>(name: string, original: (...args: A) => R) =>
      async (...args: A): Promise<Awaited<R>> => {
        await arrive(name).catch((err: unknown) => {
          failures.push(err);
          throw err;
        });
        return await original(...args);
      };
    const sessionCreate = Session.create.bind(Session);
    const auditCreate = LoginAudit.create.bind(LoginAudit);
    const keyFind = SessionKey.findOne.bind(SessionKey);
    jest.spyOn(Session, 'create').mockImplementation(gate('session', sessionCreate));
    jest.spyOn(LoginAudit, 'create').mockImplementation(gate('audit', auditCreate));
    // storeSessionKey starts with a findOne, which returns a query synchronously: it only
    // records its arrival (the others must see it start), it does not wait.
    let keyArrival: Promise<void> | undefined;
    jest.spyOn(SessionKey, 'findOne').mockImplementation(((...args: Parameters<typeof keyFind>) => {
      keyArrival ??= arrive('sessionKey').catch((err: unknown) => {
        failures.push(err);
      });
      return keyFind(...args);
    }) as never);

    const sandboxUser = t.sandbox.createUser();
    const started = Date.now();
    const res = await t.api('POST', '/api/v1/sessions', {
      code: t.sandbox.mintLoginCode(sandboxUser),
    });
    expect(failures).toEqual([]);
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(BARRIER_TIMEOUT_MS);
    await keyArrival;
    expect(failures).toEqual([]);

    // Every write happened and the token works.
    const body = CreateSessionResponseSchema.parse(res.body);
    expect(body.user.loginCount).toBe(1);
    const me = await t.api('GET', '/api/v1/me', undefined, body.token);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(body.user.id);
    expect(await LoginAudit.countDocuments({ outcome: 'ok', firstLogin: true })).toBe(1);
    expect(await SessionKey.countDocuments({ openid: sandboxUser.miniOpenid })).toBe(1);
  });

  it('fails the login when one of the concurrent writes fails', async () => {
    const sandboxUser = t.sandbox.createUser();
    jest
      .spyOn(t.deps.models.LoginAudit, 'create')
      .mockImplementation(() => Promise.reject(new Error('audit write failed')));
    const res = await t.api('POST', '/api/v1/sessions', {
      code: t.sandbox.mintLoginCode(sandboxUser),
    });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL');
    expect(res.body.token).toBeUndefined();
  });
});
