import { CreateSessionResponseSchema } from '@wxlink/contracts';
import { startTestServer, type TestServer } from '../../support/harness';

/**
 * A returning user's login costs four database round trips on the request
 * path. A round trip is one sequential wait for the database; commands in
 * flight together share one. Expected, in order:
 *   1. the per-IP rate-limit counter (findAndModify) beside the per-IP
 *      failed-login budget (find), in the route before login();
 *   2. the user upsert, with the session_key read beside it;
 *   3. one parallel group: the session_key write (after its read), the session
 *      insert, the audit insert and the view's follower lookup (only with a
 *      unionid). login-latency.test.ts proves that group runs concurrently;
 *   4. the user's liveness re-check (find users): a 注销 that tombstoned the
 *      user while this login wrote must not leave it a session (the target of
 *      three is not met because of this check).
 * Checked here: exactly these commands, counted through the driver's command
 * monitoring (the connection has monitorCommands on: the MongoDB guard needs
 * it in tests), and a barrier proving that the upsert and the session_key read
 * are in flight together (were the read issued after the upsert, its write
 * would make a fourth wait).
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

/** The collections a login touches; background workers poll others. */
const LOGIN_COLLECTIONS = new Set([
  'rate_limits',
  'users',
  'session_keys',
  'sessions',
  'login_audits',
  'oa_followers',
  'sync_cursors',
]);

interface Command {
  name: string;
  collection: string;
  startedAt: number;
  endedAt: number | null;
}

interface MonitorEvent {
  requestId: number;
  commandName: string;
  databaseName: string;
  command?: Record<string, unknown>;
}

/** Records the login's database commands between start() and stop(). */
function recordCommands() {
  const client = t.deps.db.getClient();
  const byRequest = new Map<number, Command>();
  let clock = 0; // event order; timestamps could tie within a millisecond
  const started = (e: MonitorEvent): void => {
    if (e.databaseName !== t.dbName) return;
    const target = e.command?.[e.commandName];
    const collection = typeof target === 'string' ? target : '';
    if (!LOGIN_COLLECTIONS.has(collection)) return;
    byRequest.set(e.requestId, {
      name: e.commandName,
      collection,
      startedAt: ++clock,
      endedAt: null,
    });
  };
  const ended = (e: MonitorEvent): void => {
    const command = byRequest.get(e.requestId);
    if (command) command.endedAt = ++clock;
  };
  client.on('commandStarted', started);
  client.on('commandSucceeded', ended);
  client.on('commandFailed', ended);
  return {
    stop(): Command[] {
      client.off('commandStarted', started);
      client.off('commandSucceeded', ended);
      client.off('commandFailed', ended);
      return [...byRequest.values()].sort((a, b) => a.startedAt - b.startedAt);
    },
  };
}

const BARRIER_TIMEOUT_MS = 2000;

/** Resolves once both names have arrived; rejects after BARRIER_TIMEOUT_MS. */
function pairBarrier(names: readonly [string, string]) {
  const arrived = new Set<string>();
  let wake: (() => void) | undefined;
  return async (name: string): Promise<void> => {
    arrived.add(name);
    if (names.every((n) => arrived.has(n))) {
      wake?.();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} waited alone: the two were not in flight together`)),
        BARRIER_TIMEOUT_MS,
      );
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
}

interface GatedQuery {
  exec(): Promise<unknown>;
}

/** Makes the query a model method returns wait at `arrive` before it is sent. */
function gateQuery<M extends object>(model: M, method: keyof M, arrive: () => Promise<void>) {
  const original = (model[method] as (...args: unknown[]) => GatedQuery).bind(model);
  return jest.spyOn(model, method as never).mockImplementation(((...args: unknown[]) => {
    const query = original(...args);
    const exec = query.exec.bind(query);
    query.exec = async () => {
      await arrive();
      return exec();
    };
    return query;
  }) as never);
}

describe('returning login round trips', () => {
  it('sends the session_key read while the user upsert is in flight', async () => {
    const user = t.sandbox.createUser();
    expect(
      (await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) })).status,
    ).toBe(201);
    const arrive = pairBarrier(['user upsert', 'session_key read']);
    gateQuery(t.deps.models.User, 'findOneAndUpdate', () => arrive('user upsert'));
    gateQuery(t.deps.models.SessionKey, 'findOne', () => arrive('session_key read'));
    const started = Date.now();
    const res = await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) });
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(BARRIER_TIMEOUT_MS);
  });

  it('sends exactly the expected commands and does every write', async () => {
    const user = t.sandbox.createUser();
    const first = await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) });
    expect(first.status).toBe(201);

    const recorder = recordCommands();
    const res = await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) });
    const commands = recorder.stop();
    expect(res.status).toBe(201);
    expect(CreateSessionResponseSchema.parse(res.body).user.loginCount).toBe(2);

    expect(commands.map((c) => `${c.name} ${c.collection}`).sort()).toEqual([
      'find oa_followers', // the view's subscription (the user has a unionid)
      'find oa_followers', // … whether a new follower's unionid lookup is pending
      'find rate_limits', // the failed-login budget
      'find session_keys',
      'find sync_cursors', // … whether the follower list was imported once
      'find users', // the liveness re-check after the writes
      'findAndModify rate_limits',
      'findAndModify users',
      'insert login_audits',
      'insert sessions',
      'update session_keys',
    ]);
    expect(commands.every((c) => c.endedAt !== null)).toBe(true);

    // Nothing was skipped: the key rotated (current + previous), both logins audited.
    const keys = await t.deps.models.SessionKey.findOne({ openid: user.miniOpenid }).lean();
    expect(keys?.current.key).toBe(t.sandbox.sessionKeyOf(user));
    expect(keys?.previous).not.toBeNull();
    const userId = CreateSessionResponseSchema.parse(res.body).user.id;
    expect(await t.deps.models.LoginAudit.countDocuments({ userId, outcome: 'ok' })).toBe(2);
  });

  it('skips the follower lookup for a user without unionid', async () => {
    const user = t.sandbox.createUser({ unionid: null });
    expect(
      (await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) })).status,
    ).toBe(201);
    const recorder = recordCommands();
    const res = await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) });
    const commands = recorder.stop();
    expect(res.status).toBe(201);
    expect(commands.some((c) => c.collection === 'oa_followers')).toBe(false);
    expect(commands).toHaveLength(8);
  });
});
