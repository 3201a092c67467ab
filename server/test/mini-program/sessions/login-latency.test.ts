import { CreateSessionResponseSchema } from '@wxlink/contracts';
import { startTestServer, type TestServer } from '../../support/harness';

/**
 * POST /api/v1/sessions runs the session insert, the audit insert, the user
 * view and the session_key clean-up concurrently. Proven with a barrier: the
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
    const { Session, LoginAudit } = t.deps.models;
    const arrive = barrier(['session', 'audit']);
    const failures: unknown[] = [];
    // Both are inserted with the driver (no mongoose document on the login path).
    const gate = (name: string, collection: { insertOne: (...args: never[]) => unknown }) => {
      const original = collection.insertOne.bind(collection) as (...args: unknown[]) => unknown;
      return jest.spyOn(collection, 'insertOne').mockImplementation(async (...args: unknown[]) => {
        await arrive(name).catch((err: unknown) => {
          failures.push(err);
          throw err;
        });
        return await original(...args);
      });
    };
    gate('session', Session.collection);
    gate('audit', LoginAudit.collection);

    const sandboxUser = t.sandbox.createUser();
    const started = Date.now();
    const res = await t.api('POST', '/api/v1/sessions', {
      code: t.sandbox.mintLoginCode(sandboxUser),
    });
    expect(failures).toEqual([]);
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(BARRIER_TIMEOUT_MS);

    // Every write happened and the token works.
    const body = CreateSessionResponseSchema.parse(res.body);
    expect(body.user.loginCount).toBe(1);
    const me = await t.api('GET', '/api/v1/me', undefined, body.token);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(body.user.id);
    expect(await LoginAudit.countDocuments({ outcome: 'ok', firstLogin: true })).toBe(1);
    const stored = await t.deps.models.User.findById(body.user.id).lean();
    expect(Object.values(stored?.sessionKeys ?? {})).toEqual([t.sandbox.sessionKeyOf(sandboxUser)]);
  });

  it('fails the login when one of the concurrent writes fails', async () => {
    const sandboxUser = t.sandbox.createUser();
    jest
      .spyOn(t.deps.models.LoginAudit.collection, 'insertOne')
      .mockImplementation(() => Promise.reject(new Error('audit write failed')));
    const res = await t.api('POST', '/api/v1/sessions', {
      code: t.sandbox.mintLoginCode(sandboxUser),
    });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL');
    expect(res.body.token).toBeUndefined();
  });
});
