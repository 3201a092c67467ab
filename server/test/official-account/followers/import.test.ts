/**
 * The follower backfill against the sandbox: pages, batches of 100,
 * interruption and resume, WeChat backoff, and snapshots never overriding
 * newer event-driven state.
 */
import { applyEventToFollower } from '../../../src/official-account/followers/store';
import {
  cursorName,
  syncFollowers,
  type SyncProgress,
} from '../../../src/official-account/followers/import';
import { run } from '../../../src/official-account/followers/import-command';
import { sandboxEnv, startTestServer, type TestServer } from '../../support/harness';

let server: TestServer;
beforeAll(async () => {
  // Pages of 120 so a few hundred followers span several user/get pages.
  server = await startTestServer({
    sandboxOptions: { userGetPageSize: 120 },
    // Driven by hand here; the background schedule is tested in schedule.test.ts.
    workers: { followers: false },
    // These assertions describe `keep` (the unionid stays after an unfollow); erase: erase.test.ts.
    env: { FOLLOWER_RETENTION: 'keep' },
  });
});
afterAll(() => server.close());

const calls = (route: string) => server.sandbox.stats().calls[route] ?? 0;

test('backfill of 300 followers, interrupted and resumed, stores each follower exactly once', async () => {
  const followers = server.sandbox.createFollowers(300);
  const deps = server.deps;
  const oaAppid = server.config.officialAccount.appid;

  // One of them unfollowed after the snapshot's subscribe_time, as a live event said.
  const unfollower = followers[7]!;
  const unfollowAt = server.sandbox.getUser(unfollower).subscribeTime! + 100;
  await applyEventToFollower(
    deps,
    { appid: oaAppid, openid: unfollower.oaOpenid },
    { kind: 'unsubscribe', at: unfollowAt },
    'event',
  );

  const batchgetBefore = calls('cgi-bin/user/info/batchget');
  const controller = new AbortController();
  const progress: SyncProgress[] = [];
  const first = await syncFollowers(deps, {
    signal: controller.signal,
    onProgress: (p) => {
      progress.push(p);
      if (p.processed >= 150) controller.abort();
    },
  });
  expect(first.status).toBe('interrupted');
  expect(first.processed).toBe(220); // 100 + 20 (page 1) + 100 (page 2)
  expect(progress.map((p) => p.processed)).toEqual([100, 120, 220]);
  expect(progress.every((p) => p.total === 300 && p.ratePerSecond > 0)).toBe(true);
  expect(await deps.models.Follower.countDocuments()).toBe(220);
  const cursor = await deps.models.SyncCursor.findOne({ name: cursorName(oaAppid) }).lean();
  expect(cursor).toMatchObject({ status: 'running', pageOffset: 100, processed: 220 });

  const second = await syncFollowers(deps);
  expect(second).toMatchObject({ status: 'completed', resumed: true, processed: 300, total: 300 });
  // Resumed where it stopped: 20 + 60 remained, 2 more batchget calls (5 in all), none repeated.
  expect(calls('cgi-bin/user/info/batchget') - batchgetBefore).toBe(5);

  const docs = await deps.models.Follower.find({}).lean();
  expect(docs).toHaveLength(300);
  expect(new Set(docs.map((d) => d.openid)).size).toBe(300);
  const byOpenid = new Map(docs.map((d) => [d.openid, d]));
  for (const f of followers) {
    const doc = byOpenid.get(f.oaOpenid);
    expect(doc?.unionid).toBe(f.unionid);
  }
  // The snapshot (older) never overrode the newer unfollow; it only filled the unionid.
  expect(byOpenid.get(unfollower.oaOpenid)).toMatchObject({
    subscribed: false,
    stateAt: unfollowAt,
    unionid: unfollower.unionid,
  });
  const sample = byOpenid.get(followers[0]!.oaOpenid)!;
  expect(sample).toMatchObject({
    subscribed: true,
    source: 'backfill',
    subscribedAt: server.sandbox.getUser(followers[0]!).subscribeTime,
  });

  // A new run after completion starts over and changes nothing.
  const third = await syncFollowers(deps);
  expect(third).toMatchObject({ status: 'completed', resumed: false, written: 0, processed: 300 });
  expect(await deps.models.Follower.countDocuments()).toBe(300);
});

test('backs off on -1 and 45009, then completes', async () => {
  server.sandbox.injectFault('cgi-bin/user/info/batchget', { errcode: -1, times: 2 });
  server.sandbox.injectFault('cgi-bin/user/get', { errcode: 45009, times: 1 });
  const sleeps: number[] = [];
  const result = await syncFollowers(server.deps, {
    restart: true,
    retryBaseMs: 10,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  expect(result.status).toBe('completed');
  expect(sleeps).toEqual([10, 10, 20]);
  server.sandbox.clearFaults();
});

test('a persistent WeChat error stops the run with the cursor kept', async () => {
  server.sandbox.injectFault('cgi-bin/user/info/batchget', { errcode: 40003, times: 1 });
  await expect(
    syncFollowers(server.deps, { restart: true, sleep: () => Promise.resolve() }),
  ).rejects.toMatchObject({ errcode: 40003 });
  const cursor = await server.deps.models.SyncCursor.findOne({}).lean();
  expect(cursor?.status).toBe('running');
  server.sandbox.clearFaults();
});

test('the command validates its arguments and configuration', async () => {
  const out: string[] = [];
  const stderr = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
  expect(await run(['--bogus'], {}, stderr)).toBe(2);
  expect(out.join('')).toMatch(/unknown argument: --bogus/);
  out.length = 0;
  expect(await run([], {}, stderr)).toBe(2);
  expect(out.join('')).toMatch(/MINIPROGRAM_APPID is required/);
  out.length = 0;
  expect(await run(['--help'], {}, stderr)).toBe(0);
  expect(out.join('')).toMatch(/--restart/);
});

test('the command reports a failure once, with how to resume, and exits 1', async () => {
  const uri = new URL(process.env.WXLINK_TEST_MONGODB_URI!);
  uri.pathname = `/${server.dbName}`;
  const env = { ...sandboxEnv(server.sandbox), MONGODB_URI: uri.toString() };
  const out: string[] = [];
  const stderr = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
  // 40164 (IP not whitelisted) is not retryable: the run stops at once.
  server.sandbox.injectFault('cgi-bin/user/get', { errcode: 40164, times: 1 });
  try {
    expect(await run(['--restart'], env, stderr)).toBe(1);
  } finally {
    server.sandbox.clearFaults();
  }
  const text = out.join('');
  expect(text.match(/followers:sync failed:/g)).toHaveLength(1);
  expect(text).toMatch(/followers:sync failed: .*\nthe cursor is saved; run again to resume\n$/);
});
