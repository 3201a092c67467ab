/**
 * The login counter's report to express-rate-limit (login-attempts.ts): the
 * attempt count, or one past the attempt limit once the failure budget of
 * the same window is spent. The HTTP behaviour is in login-limits.test.ts.
 */
import { attemptsSeen, LoginAttemptStore } from '../../../src/mini-program/sessions/login-attempts';
import { startTestServer, type TestServer } from '../../support/harness';

const budgets = { attempts: 600, failures: 20 };

test('attempts are reported as counted while the failure budget lasts', () => {
  expect(attemptsSeen({ hits: 1, failures: 0 }, budgets)).toBe(1);
  expect(attemptsSeen({ hits: 599, failures: 19 }, budgets)).toBe(599);
  expect(attemptsSeen({ hits: 700, failures: 3 }, budgets)).toBe(700);
});

test('a spent failure budget reports one past the attempt limit', () => {
  expect(attemptsSeen({ hits: 21, failures: 20 }, budgets)).toBe(601);
  expect(attemptsSeen({ hits: 900, failures: 25 }, budgets)).toBe(900);
});

test('a counter written before failures were kept has spent none', () => {
  expect(attemptsSeen({ hits: 5 }, budgets)).toBe(5);
});

describe('recordFailure', () => {
  let t: TestServer;
  let nowMs = Date.UTC(2026, 11, 2, 3, 0, 20);
  beforeAll(async () => {
    t = await startTestServer({ clock: { now: () => new Date(nowMs) } });
  });
  afterAll(() => t?.close());

  const store = () =>
    new LoginAttemptStore(t.deps.models.RateLimitCounter, t.deps.clock, budgets, 60_000);
  const counter = (ip: string) =>
    t.deps.models.RateLimitCounter.findOne({ key: `login:${ip}` }).lean();

  test('spends the failure budget of the live window, beside its attempts', async () => {
    const s = store();
    await s.increment('10.0.0.1');
    await s.recordFailure('10.0.0.1');
    await s.recordFailure('10.0.0.1');
    expect(await counter('10.0.0.1')).toMatchObject({ hits: 1, failures: 2 });
  });

  test('a failure landing after its window lapsed opens the next window', async () => {
    const s = store();
    await s.increment('10.0.0.2');
    await s.recordFailure('10.0.0.2');
    nowMs += 61_000;
    await s.recordFailure('10.0.0.2');
    const next = await counter('10.0.0.2');
    expect(next).toMatchObject({ hits: 1, failures: 1 });
    expect(next!.resetAt.getTime()).toBe(nowMs + 60_000);
  });

  test('a new window starts with no failures', async () => {
    const s = store();
    await s.increment('10.0.0.3');
    for (let i = 0; i < 20; i++) await s.recordFailure('10.0.0.3');
    expect((await s.increment('10.0.0.3')).totalHits).toBe(601);
    // Reading the counter tells the same as counting with it.
    expect((await s.get('10.0.0.3'))?.totalHits).toBe(601);
    nowMs += 61_000;
    expect((await s.increment('10.0.0.3')).totalHits).toBe(1);
    expect(await counter('10.0.0.3')).toMatchObject({ hits: 1, failures: 0 });
  });
});
