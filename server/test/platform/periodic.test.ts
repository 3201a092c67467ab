/** platform/periodic.ts: one round at a time, failures logged, stop waits for the round. */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/platform/logger';
import { startPeriodic } from '../../src/platform/periodic';

function captureLogger() {
  const lines: { msg: string; level: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger({ logLevel: 'info' }, sink), lines };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('runs at once, then every interval, never two rounds at a time', async () => {
  const { logger } = captureLogger();
  let running = 0;
  let maxRunning = 0;
  let rounds = 0;
  const task = startPeriodic(
    'test task',
    10,
    async () => {
      rounds++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(35); // longer than the interval: ticks meanwhile are skipped
      running--;
    },
    logger,
  );
  expect(rounds).toBe(1);
  await sleep(120);
  await task.stop();
  expect(rounds).toBeGreaterThanOrEqual(2);
  expect(maxRunning).toBe(1);
  const after = rounds;
  await sleep(40);
  expect(rounds).toBe(after);
});

test('a failed round is logged and the next one still runs', async () => {
  const { logger, lines } = captureLogger();
  let rounds = 0;
  const task = startPeriodic(
    'flaky task',
    10,
    () => {
      rounds++;
      return rounds === 1 ? Promise.reject(new Error('database unreachable')) : Promise.resolve();
    },
    logger,
  );
  await sleep(60);
  await task.stop();
  expect(rounds).toBeGreaterThanOrEqual(2);
  expect(lines.filter((l) => l.msg === 'flaky task failed')).toHaveLength(1);
  expect(lines[0]?.level).toBe(40);
});

test('stop waits for the round in progress', async () => {
  const { logger } = captureLogger();
  let finished = false;
  const task = startPeriodic(
    'slow task',
    1000,
    async () => {
      await sleep(50);
      finished = true;
    },
    logger,
  );
  await task.stop();
  expect(finished).toBe(true);
});
