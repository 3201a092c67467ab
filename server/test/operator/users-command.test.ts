/**
 * users:revoke-sessions, users:block, users:unblock: by user id, through the
 * command's execute() and once through the built CLI.
 */
import { spawn } from 'node:child_process';
import { API_ROUTES } from '@wxlink/contracts';
import path from 'node:path';
import { execute, parseArgs, run } from '../../src/operator/users-command';
import { sandboxEnv, startTestServer, type TestServer } from '../support/harness';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

function capture() {
  const lines: string[] = [];
  const out = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
  return { out, text: () => lines.join('') };
}

async function exec(argv: string[]): Promise<{ code: number; text: string }> {
  const { out, text } = capture();
  const code = await execute(t.deps, parseArgs(argv), out);
  return { code, text: text() };
}

function commandEnv(): Record<string, string> {
  const uri = new URL(process.env.WXLINK_TEST_MONGODB_URI!);
  uri.pathname = `/${t.dbName}`;
  return { ...sandboxEnv(t.sandbox), MONGODB_URI: uri.toString() };
}

const errorOf = (res: { status: number; body: { error: { code: string } } }) => [
  res.status,
  res.body.error.code,
];

test('revoke-sessions: every token of the user dies, other users keep theirs, a new login works', async () => {
  const user = t.sandbox.createUser();
  const a = await t.login(user);
  const b = await t.login(user);
  const other = await t.login();
  const res = await exec(['revoke-sessions', '--user', a.body.user.id]);
  expect(res).toEqual({ code: 0, text: `user ${a.body.user.id}: 2 live session(s) revoked\n` });
  for (const token of [a.token, b.token]) {
    expect(errorOf(await t.api('GET', '/api/v1/me', undefined, token))).toEqual([
      401,
      'SESSION_INVALID',
    ]);
  }
  expect((await t.api('GET', '/api/v1/me', undefined, other.token)).status).toBe(200);
  const again = await t.login(user);
  expect((await t.api('GET', '/api/v1/me', undefined, again.token)).status).toBe(200);
});

test('block: 403 ACCOUNT_BLOCKED on every authenticated route and on login; unblock lifts it', async () => {
  const user = t.sandbox.createUser();
  const { token, body } = await t.login(user);
  const id: string = body.user.id;
  const res = await exec(['block', '--user', id, '--reason', 'spam reports']);
  expect(res).toEqual({ code: 0, text: `user ${id}: blocked; 1 live session(s) revoked\n` });
  expect(await t.deps.models.User.findById(id).lean()).toMatchObject({
    blockedReason: 'spam reports',
  });

  // The revoked token is 401; a token issued in a login racing the block is 403 (next test).
  expect(errorOf(await t.api('GET', '/api/v1/me', undefined, token))).toEqual([
    401,
    'SESSION_INVALID',
  ]);
  const code = t.sandbox.mintLoginCode(user);
  const login = await t.api('POST', '/api/v1/sessions', { code });
  expect(errorOf(login)).toEqual([403, 'ACCOUNT_BLOCKED']);
  // The code was consumed by code2Session before the refusal (WeChat's codes are single-use).
  expect(errorOf(await t.api('POST', '/api/v1/sessions', { code }))).toEqual([
    401,
    'WECHAT_CODE_INVALID',
  ]);
  expect(await t.deps.models.Session.countDocuments({ userId: id, revokedAt: null })).toBe(0);

  expect(await exec(['unblock', '--user', id])).toEqual({
    code: 0,
    text: `user ${id}: unblocked\n`,
  });
  const back = await t.login(user);
  expect(back.body.user.id).toBe(id);
  expect((await t.api('GET', '/api/v1/me', undefined, back.token)).status).toBe(200);
  expect(await exec(['unblock', '--user', id])).toEqual({
    code: 0,
    text: `user ${id}: was not blocked; nothing changed\n`,
  });
});

test('a live session of a blocked user is refused on every authenticated route', async () => {
  const { token, body, sandboxUser } = await t.login();
  const valid = await t.login();
  // Blocked without revoking (as when a login raced the block).
  await t.deps.models.User.updateOne({ _id: body.user.id }, { $set: { blockedAt: new Date() } });
  // Bodies that pass validation, which runs before the session check on JSON routes.
  const bodies: Record<string, unknown> = {
    authorizeProfile: t.sandbox.userInfoPayload(sandboxUser),
    updateProfile: { nickname: 'x' },
    bindPhone: { code: 'abc' },
  };
  const checked: string[] = [];
  for (const [name, route] of Object.entries(API_ROUTES)) {
    if (!route.auth) continue;
    const res = await t.api(route.method, route.path, bodies[name], token);
    // A route of the contract another branch has not mounted yet.
    if (res.status === 404) {
      expect((await t.api(route.method, route.path, bodies[name], valid.token)).status).toBe(404);
      continue;
    }
    expect([name, ...errorOf(res)]).toEqual([name, 403, 'ACCOUNT_BLOCKED']);
    checked.push(name);
  }
  expect(checked).toEqual(
    expect.arrayContaining([
      'getMe',
      'updateProfile',
      'bindPhone',
      'deleteSession',
      'deleteAccount',
    ]),
  );
  expect(await t.deps.models.User.countDocuments({ _id: body.user.id })).toBe(1);
});

test('an unknown user: exit 1 with a clear line, nothing changed', async () => {
  const id = 'aaaaaaaaaaaaaaaaaaaaaaaa';
  for (const action of ['revoke-sessions', 'block', 'unblock']) {
    expect(await exec([action, '--user', id])).toEqual({
      code: 1,
      text: `users:${action}: no user with id ${id} (deleted, or never existed)\n`,
    });
  }
  expect(await t.deps.models.User.countDocuments({ _id: id })).toBe(0);
});

test('a deleted user is unknown', async () => {
  const { token, body } = await t.login();
  expect((await t.api('DELETE', '/api/v1/me', undefined, token)).status).toBe(204);
  expect((await exec(['block', '--user', body.user.id])).code).toBe(1);
});

test('usage errors exit 2 and print the usage', async () => {
  const cases: [string[], RegExp][] = [
    [[], /unknown action: \(none\)/],
    [['nuke', '--user', 'aaaaaaaaaaaaaaaaaaaaaaaa'], /unknown action: nuke/],
    [['block'], /--user <id> is required/],
    [['block', '--user'], /--user needs a value/],
    [['block', '--user', 'alice'], /--user must be a user id/],
    [
      ['unblock', '--user', 'aaaaaaaaaaaaaaaaaaaaaaaa', '--reason', 'x'],
      /unknown argument: --reason/,
    ],
    [
      ['block', '--user', 'aaaaaaaaaaaaaaaaaaaaaaaa', '--reason', 'x'.repeat(501)],
      /longer than 500/,
    ],
  ];
  for (const [argv, message] of cases) {
    const { out, text } = capture();
    expect(await run(argv, commandEnv(), out)).toBe(2);
    expect(text()).toMatch(message);
    expect(text()).toMatch(/Usage: users:revoke-sessions/);
  }
  const { out, text } = capture();
  expect(await run(['block', '--user', 'aaaaaaaaaaaaaaaaaaaaaaaa'], {}, out)).toBe(2);
  expect(text()).toMatch(/MINIPROGRAM_APPID is required/);
});

test('the built command (npm run users:block) blocks by id and exits 1 for an unknown user', async () => {
  const entry = path.resolve(__dirname, '../../dist/operator/users-command.js');
  const spawnCommand = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [entry, ...args], {
        env: { ...process.env, ...commandEnv(), LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
  const { body } = await t.login();
  expect(await spawnCommand(['block', '--user', body.user.id])).toEqual({
    code: 0,
    stdout: `user ${body.user.id}: blocked; 1 live session(s) revoked\n`,
  });
  expect((await t.deps.models.User.findById(body.user.id).lean())?.blockedAt).toBeInstanceOf(Date);
  const unknown = await spawnCommand(['unblock', '--user', 'bbbbbbbbbbbbbbbbbbbbbbbb']);
  expect(unknown.code).toBe(1);
  expect(unknown.stdout).toMatch(/no user with id bbbbbbbbbbbbbbbbbbbbbbbb/);
}, 60_000);
