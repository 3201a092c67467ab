import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * Runs the built CLI (dist/cli.js) as a user would. The build runs first so
 * the test never exercises a stale dist.
 */

const pkg = path.resolve(__dirname, '..');
const cli = path.join(pkg, 'dist', 'cli.js');

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, SANDBOX_URL: '', ...env }, timeout: 15_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let server: ChildProcess | null = null;
let url = '';

beforeAll(async () => {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(pkg, 'tsconfig.build.json')],
    {
      stdio: 'inherit',
    },
  );
  server = spawn(process.execPath, [cli, 'serve', '--port', '0'], {
    env: { ...process.env, MINIPROGRAM_APPID: 'wxclitest0000001', MINIPROGRAM_SECRET: 'clisecret' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 10_000);
    server!.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
});

describe('wechat-sandbox CLI', () => {
  it('serve prints the environment for the server, using env credentials', async () => {
    const r = await run(['config', '--url', url]);
    expect(r.code).toBe(0);
    const { config } = JSON.parse(r.stdout) as { config: { miniProgram: { appid: string } } };
    expect(config.miniProgram.appid).toBe('wxclitest0000001');
  });

  it('create-user, users, login-code, follow and log work against a running sandbox', async () => {
    const created = await run(['create-user', '--unbound', '--nick', 'CliUser'], {
      SANDBOX_URL: url,
    });
    expect(created.code).toBe(0);
    const id = /created (u\d+)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toContain('unionid=(unbound)');

    const users = await run(['users', '--url', url]);
    expect(users.stdout).toMatch(new RegExp(`${id}\\s+CliUser`));

    const code = await run(['login-code', id!, '--url', url]);
    expect(code.code).toBe(0);
    expect(code.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const follow = await run(['follow', id!, '--url', url]);
    expect(follow.stdout).toContain(`${id} follows the official account`);
    expect(follow.stdout).toContain('no push sent');
    const unfollow = await run(['unfollow', id!, '--no-push', '--url', url]);
    expect(unfollow.stdout).toContain(`${id} does not follow the official account`);

    const log = await run(['log', '--url', url]);
    expect(log.stdout).toMatch(new RegExp(`follow\\s+${id} subscribe on`));
    expect(log.stdout).toMatch(new RegExp(`unfollow\\s+${id} unsubscribe on`));
  }, 30_000);

  it('explains when the sandbox is not running', async () => {
    const r = await run(['users', '--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the sandbox at http://127.0.0.1:9');
  });

  it('rejects unknown commands and missing arguments with usage', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command: frobnicate');
    const missing = await run(['login-code', '--url', url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('login-code needs a user id');
    const badUser = await run(['login-code', 'u999', '--url', url]);
    expect(badUser.code).toBe(1);
    expect(badUser.stderr).toContain('no sandbox user u999');
  });
});
