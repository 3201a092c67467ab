/**
 * The shared rate-limit counter (http/rate-limit-store.ts) under concurrent
 * hits: hits of one key made together share a command, and each is still
 * told the exact count its own hit made, so a limit holds to the request
 * however the hits arrive. On the test database (embedded, or MONGODB_URI).
 */
import { MongoRateLimitStore } from '../../src/http/rate-limit-store';
import { recordCommands } from '../support/commands';
import { startTestServer, type ApiResult, type TestServer } from '../support/harness';

let t: TestServer;
let nowMs = Date.UTC(2026, 11, 2, 9, 0, 30);
beforeAll(async () => {
  t = await startTestServer({
    env: { LOGIN_RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: 'loopback' },
    clock: { now: () => new Date(nowMs) },
  });
});
afterAll(() => t?.close());

const store = () =>
  new MongoRateLimitStore(t.deps.models.RateLimitCounter, t.deps.clock, 'test:', 60_000);

/** Runs `work`, returning its result and how many commands it sent to rate_limits. */
async function counting<T>(work: () => Promise<T>): Promise<{ result: T; commands: number }> {
  const recorder = recordCommands(t, (c) => c.collection === 'rate_limits');
  const result = await work();
  return { result, commands: recorder.stop().length };
}

const totals = (infos: { totalHits: number }[]): number[] =>
  infos.map((i) => i.totalHits).sort((a, b) => a - b);

test('hits of one key made together share commands, each told its own count', async () => {
  const s = store();
  const { result, commands } = await counting(() =>
    Promise.all(Array.from({ length: 12 }, () => s.increment('10.1.0.1'))),
  );
  expect(totals(result)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  expect(commands).toBeLessThan(12);
  const stored = await t.deps.models.RateLimitCounter.findOne({ key: 'test:10.1.0.1' }).lean();
  expect(stored).toMatchObject({ hits: 12, resetAt: new Date(nowMs + 60_000) });
});

test('hits of distinct keys made together each count their own key', async () => {
  const s = store();
  const keys = ['10.1.1.1', '10.1.1.2', '10.1.1.3'];
  await Promise.all(keys.map((k) => s.increment(k))); // windows open
  const infos = await Promise.all(keys.flatMap((k) => [k, k, k].map((key) => s.increment(key))));
  for (const [i] of keys.entries()) {
    expect(totals(infos.filter((_info, j) => Math.floor(j / 3) === i))).toEqual([2, 3, 4]);
  }
});

test('a client first seen costs one command, its later hits one each', async () => {
  const s = store();
  const first = await counting(() => s.increment('10.1.2.1'));
  const second = await counting(() => s.increment('10.1.2.1'));
  expect([first.result.totalHits, first.commands]).toEqual([1, 1]);
  expect([second.result.totalHits, second.commands]).toEqual([2, 1]);
});

test('a lapsed window is restarted at the size of the group that finds it', async () => {
  const s = store();
  await s.increment('10.1.3.1');
  nowMs += 61_000;
  const infos = await Promise.all(Array.from({ length: 4 }, () => s.increment('10.1.3.1')));
  expect(totals(infos)).toEqual([1, 2, 3, 4]);
  for (const info of infos) expect(info.resetTime?.getTime()).toBe(nowMs + 60_000);
});

test('a window starts at its first hit: a burst across a clock minute gets one budget', async () => {
  const s = store();
  nowMs = Date.UTC(2026, 11, 2, 9, 10, 59, 500);
  const before = await Promise.all(Array.from({ length: 3 }, () => s.increment('10.1.4.1')));
  nowMs += 1_000; // 09:11:00.5
  const after = await Promise.all(Array.from({ length: 3 }, () => s.increment('10.1.4.1')));
  expect(totals([...before, ...after])).toEqual([1, 2, 3, 4, 5, 6]);
});

test('the login limit holds to the request when logins from one address arrive together', async () => {
  const address = '198.51.100.23';
  const login = (): Promise<ApiResult> =>
    t.raw('POST', '/api/v1/sessions', {
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ code: t.sandbox.mintLoginCode(t.sandbox.createUser()) }),
    });
  const statuses = (await Promise.all(Array.from({ length: 9 }, login))).map((r) => r.status);
  expect(statuses.filter((s) => s === 201)).toHaveLength(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(4);
});
