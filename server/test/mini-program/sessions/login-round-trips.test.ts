import { CreateSessionResponseSchema } from '@wxlink/contracts';
import type { SandboxUser } from '@wxlink/wechat-sandbox';
import { syncFollowers } from '../../../src/official-account/followers/import';
import { usableSessionKeys } from '../../../src/mini-program/sessions/session-keys';
import { recordCommands, type RecordedCommand } from '../../support/commands';
import { startTestServer, type TestServer } from '../../support/harness';

/**
 * A returning user's login costs three database round trips on the request
 * path. A round trip is one sequential wait for the database; commands in
 * flight together share one. Expected, in order:
 *   1. the per-IP counter (findAndModify), whose document also holds the
 *      failed-login budget, in the route before login();
 *   2. the user upsert, which also records the session_key;
 *   3. one parallel group: the session insert, the audit insert, the view's
 *      follower read (only with a unionid) and, when the user document
 *      holds replaced session_keys, their removal.
 * Checked here through the driver's command monitoring (the connection has
 * monitorCommands on: the MongoDB guard needs it in tests): exactly these
 * commands, and the longest chain of commands each sent after the previous
 * one answered, which is the number of round trips.
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
  'sessions',
  'login_audits',
  'oa_followers',
  'sync_cursors',
]);

type Command = RecordedCommand;

/** Records the login's commands (on the collections a login touches) until stop(). */
const recordLoginCommands = () => recordCommands(t, (c) => LOGIN_COLLECTIONS.has(c.collection));

/**
 * Sequential database waits: the longest chain of commands in which each
 * was sent after the one before it had answered.
 */
function roundTrips(commands: readonly Command[]): number {
  const chain = new Map<Command, number>();
  for (const c of [...commands].sort((x, y) => x.startedAt - y.startedAt)) {
    const before = commands.filter((p) => p.endedAt !== null && p.endedAt < c.startedAt);
    chain.set(c, 1 + Math.max(0, ...before.map((p) => chain.get(p) ?? 0)));
  }
  return Math.max(0, ...chain.values());
}

/** Logs `user` in, recording the database commands of that login only. */
async function recordedLogin(user: SandboxUser) {
  const recorder = recordLoginCommands();
  const res = await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) });
  const commands = recorder.stop();
  expect(res.status).toBe(201);
  expect(commands.every((c) => c.endedAt !== null)).toBe(true);
  return { body: CreateSessionResponseSchema.parse(res.body), commands };
}

const names = (commands: readonly Command[]) => commands.map((c) => `${c.name} ${c.collection}`);

describe('returning login round trips', () => {
  it('before the first follower import, the view also reads the import cursor', async () => {
    const user = t.sandbox.createUser();
    await t.login(user);
    const { commands } = await recordedLogin(user);
    expect(names(commands)).toContain('find sync_cursors');
    expect(roundTrips(commands)).toBe(3);
  });

  it('sends exactly the expected commands in three round trips and does every write', async () => {
    expect((await syncFollowers(t.deps)).status).toBe('completed');
    const user = t.sandbox.createUser();
    // Four logins first: the fifth finds more entries than are kept (the key rotates each time).
    for (let i = 0; i < 3; i++) await t.login(user);
    const fourth = await t.login(user);
    const { body, commands } = await recordedLogin(user);
    expect(body.user.loginCount).toBe(5);

    expect(names(commands).sort()).toEqual([
      'find oa_followers', // the view's subscription (the user has a unionid) and pending lookups
      'findAndModify rate_limits', // the per-IP counter of attempts, read with its failure budget
      'findAndModify users', // the upsert, which records the session_key
      'insert login_audits',
      'insert sessions',
      'update users', // drops the keys no reader needs (batched: not on every login)
    ]);
    expect(roundTrips(commands)).toBe(3);

    // Nothing was skipped: current + previous key kept, every login audited.
    const stored = await t.deps.models.User.findById(body.user.id).lean();
    const keys = await usableSessionKeys(t.deps, stored!);
    expect(keys.current).toBe(t.sandbox.sessionKeyOf(user));
    expect(keys.previous).not.toBeNull();
    expect(keys.previous).not.toBe(keys.current);
    expect(Object.keys(stored!.sessionKeys ?? {})).toHaveLength(2);
    const userId = body.user.id;
    expect(await t.deps.models.LoginAudit.countDocuments({ userId, outcome: 'ok' })).toBe(5);
    expect(fourth.body.user.id).toBe(userId);
  });

  it('skips the follower lookups for a user without unionid', async () => {
    const user = t.sandbox.createUser({ unionid: null });
    await t.login(user);
    const { commands } = await recordedLogin(user);
    expect(commands.some((c) => c.collection === 'oa_followers')).toBe(false);
    expect(names(commands).sort()).toEqual([
      'findAndModify rate_limits',
      'findAndModify users',
      'insert login_audits',
      'insert sessions',
    ]);
    expect(roundTrips(commands)).toBe(3);
  });
});
