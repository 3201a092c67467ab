/**
 * One followers:sync at a time per official account: a lease on the cursor
 * document decides, a second run reports `locked` without touching anything,
 * and a crashed run's expired lease is taken over (resuming its cursor).
 */
import { run } from '../../../src/official-account/followers/import-command';
import { cursorName, syncFollowers } from '../../../src/official-account/followers/import';
import { sandboxEnv, startTestServer, type TestServer } from '../../support/harness';

let server: TestServer;
let nowMs = Date.now();
beforeAll(async () => {
  server = await startTestServer({
    sandboxOptions: { userGetPageSize: 120 },
    clock: { now: () => new Date(nowMs) },
  });
  server.sandbox.createFollowers(150);
});
afterAll(() => server.close());

const calls = (route: string): number => server.sandbox.stats().calls[route] ?? 0;
const cursorOf = () =>
  server.deps.models.SyncCursor.findOne({
    name: cursorName(server.config.officialAccount.appid),
  }).lean();
const resetState = async (): Promise<void> => {
  await server.deps.models.SyncCursor.deleteMany({});
  await server.deps.models.Follower.deleteMany({});
};

test('two concurrent runs: one syncs, the other reports locked and does nothing', async () => {
  await resetState();
  const listBefore = calls('cgi-bin/user/get');
  const [a, b] = await Promise.all([
    syncFollowers(server.deps, { owner: 'run-a' }),
    syncFollowers(server.deps, { owner: 'run-b' }),
  ]);
  const results = [a, b].sort((x, y) => x.status.localeCompare(y.status));
  expect(results.map((r) => r.status)).toEqual(['completed', 'locked']);
  const [done, locked] = results as [typeof a, typeof a];
  expect(done).toMatchObject({ processed: 150, total: 150 });
  expect(locked).toMatchObject({ processed: 0, written: 0 });
  expect(['run-a', 'run-b']).toContain(locked.lock?.owner);
  expect(locked.lock!.until.getTime()).toBeGreaterThan(nowMs);
  // Only the winner walked the pages: 120 + 30, then the empty page that ends the list.
  expect(calls('cgi-bin/user/get') - listBefore).toBe(3);
  expect(await server.deps.models.Follower.countDocuments()).toBe(150);
  // Released at the end.
  expect(await cursorOf()).toMatchObject({
    status: 'completed',
    leaseOwner: null,
    leaseUntil: null,
  });
});

test('a live lease from another run blocks; once it expires a new run takes over and resumes', async () => {
  await resetState();
  // A run that crashed mid-way: cursor at 100 of page 1, lease still live for a minute.
  const t0 = new Date(nowMs);
  await server.deps.models.SyncCursor.create({
    name: cursorName(server.config.officialAccount.appid),
    pageStart: '',
    pageOffset: 100,
    processed: 100,
    total: 150,
    status: 'running',
    startedAt: t0,
    updatedAt: t0,
    completedAt: null,
    leaseOwner: 'crashed-host:123',
    leaseUntil: new Date(nowMs + 60_000),
  });
  const batchBefore = calls('cgi-bin/user/info/batchget');
  const blocked = await syncFollowers(server.deps);
  expect(blocked).toMatchObject({
    status: 'locked',
    lock: { owner: 'crashed-host:123', until: new Date(nowMs + 60_000) },
  });
  expect(calls('cgi-bin/user/info/batchget')).toBe(batchBefore);
  expect(await server.deps.models.Follower.countDocuments()).toBe(0);
  expect(await cursorOf()).toMatchObject({ pageOffset: 100, leaseOwner: 'crashed-host:123' });

  // The command says so and exits 3.
  const uri = new URL(process.env.WXLINK_TEST_MONGODB_URI!);
  uri.pathname = `/${server.dbName}`;
  const out: string[] = [];
  const stderr = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
  const env = { ...sandboxEnv(server.sandbox), MONGODB_URI: uri.toString() };
  expect(await run([], env, stderr)).toBe(3);
  expect(out.join('')).toMatch(/already running.*crashed-host:123.*nothing done/);
  expect(await server.deps.models.Follower.countDocuments()).toBe(0);

  // A minute later the lease has expired: the next run takes over and resumes at 100.
  nowMs += 61_000;
  const resumed = await syncFollowers(server.deps);
  expect(resumed).toMatchObject({ status: 'completed', resumed: true, processed: 150 });
  // 20 left on page 1 + 30 on page 2: two batchget calls, the first 100 not redone.
  expect(calls('cgi-bin/user/info/batchget') - batchBefore).toBe(2);
  expect(await server.deps.models.Follower.countDocuments()).toBe(50);
  expect(await cursorOf()).toMatchObject({ status: 'completed', leaseOwner: null });
});

test('a run whose lease was taken over stops instead of writing on', async () => {
  await resetState();
  let stolen = false;
  const result = syncFollowers(server.deps, {
    owner: 'slow-run',
    onProgress: () => {
      if (stolen) return;
      stolen = true;
      // Simulates another run taking over after this one stalled past its lease.
      void server.deps.models.SyncCursor.updateOne(
        { name: cursorName(server.config.officialAccount.appid) },
        { $set: { leaseOwner: 'new-run', leaseUntil: new Date(nowMs + 60_000) } },
      ).exec();
    },
  });
  await expect(result).rejects.toMatchObject({ code: 'LEASE_LOST' });
  // The new holder keeps its lease (the stopped run does not release someone else's).
  expect(await cursorOf()).toMatchObject({ leaseOwner: 'new-run' });
});

test('a run that is no longer due once the lock is held does nothing and frees the lock', async () => {
  await resetState();
  expect((await syncFollowers(server.deps, { owner: 'first' })).status).toBe('completed');
  const listBefore = calls('cgi-bin/user/get');
  const seen: unknown[] = [];
  const late = await syncFollowers(server.deps, {
    owner: 'late',
    // What the schedule asks: the cursor it sees under the lock is completed.
    stillDue: (cursor) => {
      seen.push(cursor.completedAt);
      return false;
    },
  });
  expect(late.status).toBe('not_due');
  expect(seen).toEqual([expect.any(Date)]);
  expect(calls('cgi-bin/user/get')).toBe(listBefore);
  const cursor = await cursorOf();
  expect([cursor?.status, cursor?.leaseOwner ?? null]).toEqual(['completed', null]);
  // A run that is due goes ahead as before.
  expect((await syncFollowers(server.deps, { owner: 'due', stillDue: () => true })).status).toBe(
    'completed',
  );
});
