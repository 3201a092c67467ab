/**
 * `unknown` until the account's follower list has been imported once; the
 * import runs by itself at start; two instances never run it at once.
 */
import { startSandbox } from '@wxlink/wechat-sandbox';
import { syncFollowers } from '../../../src/official-account/followers/import';
import { startTestServer, type TestServer } from '../../support/harness';
import { FAST_WORKERS, eventually } from '../linkage-support';

test('a server whose import has not run answers unknown; after it, never or subscribed', async () => {
  const server = await startTestServer({ workers: { ...FAST_WORKERS, followers: false } });
  try {
    const follower = server.sandbox.createUser({ following: true });
    const stranger = server.sandbox.createUser();
    const a = await server.login(follower);
    const b = await server.login(stranger);
    const status = async (token: string) =>
      (await server.api('GET', '/api/v1/me/subscription', undefined, token)).body.status;
    expect(await status(a.token)).toBe('unknown');
    expect(await status(b.token)).toBe('unknown');
    expect((await syncFollowers(server.deps)).status).toBe('completed');
    expect(await status(a.token)).toBe('subscribed');
    expect(await status(b.token)).toBe('never');
  } finally {
    await server.close();
  }
});

test('a pre-existing follower becomes subscribed with no command; two instances import once at a time', async () => {
  const sandbox = await startSandbox({});
  const follower = sandbox.createUser({ following: true });
  const servers: TestServer[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const workers = { ...FAST_WORKERS, followers: { checkIntervalMs: 50 } };
      servers.push(await startTestServer({ sandbox, workers, dbName: 'import-status-shared' }));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    await sandbox.close();
    throw err;
  }
  try {
    const { token } = await servers[0]!.login(follower);
    await eventually(
      async () => {
        const r = await servers[0]!.api('GET', '/api/v1/me/subscription', undefined, token);
        return r.body.status === 'subscribed';
      },
      15_000,
      'subscribed without a command',
    );
    const completed = async (): Promise<number> => {
      let n = 0;
      for (const server of servers) {
        const text = await server.deps.metrics.registry.getSingleMetricAsString(
          'oa_follower_sync_runs_total',
        );
        for (const m of text.matchAll(/outcome="completed"} (\d+)/g)) n += Number(m[1]);
      }
      return n;
    };
    await eventually(async () => (await completed()) >= 1);
    // Many schedule checks later, the other instance found it completed (not due again).
    await new Promise((r) => setTimeout(r, 500));
    expect(await completed()).toBe(1);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await sandbox.close();
  }
});
