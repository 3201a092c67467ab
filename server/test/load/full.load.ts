/**
 * Full-size load and soak (only in `npm run test:load -w @wxlink/server`):
 * two server processes (the built server) behind the proxy, the mixed
 * workload for LOAD_USERS users (default 300), repeated LOAD_ROUNDS times (default 3) with fresh
 * users each round. After every round the invariants are checked and printed,
 * with each instance's RSS, so a leak shows as growth from round to round.
 */
import { printTable, processRssKiB, startCluster, type Cluster } from '../support/cluster';
import {
  fullCounts,
  checkInvariants,
  loseEveryNthPush,
  report,
  runWorkload,
  waitInboxSettled,
  type InvariantRow,
} from './workload';

const ROUNDS = Number(process.env.LOAD_ROUNDS ?? 3);
const COUNTS = fullCounts(Number(process.env.LOAD_USERS ?? 300));

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({
    instances: ['child', 'child'],
    workers: {
      inbox: {
        pollIntervalMs: 100,
        leaseMs: 30_000,
        backoffBaseMs: 100,
        backoffMaxMs: 2000,
        concurrency: 4,
      },
    },
    loseAnswer: loseEveryNthPush(7),
    // LOAD_LOG_FILE=/tmp/wxlink-load.log keeps the instances' warnings and errors.
    ...(process.env.LOAD_LOG_FILE
      ? { env: { LOG_LEVEL: 'warn', WXLINK_CHILD_LOG_FILE: process.env.LOAD_LOG_FILE } }
      : {}),
  });
}, 120_000);
afterAll(async () => {
  await cluster?.close();
}, 60_000);

test(`full-size load, ${ROUNDS} soak round(s): invariants hold every round, memory flat`, async () => {
  const soak: Array<Record<string, string | number>> = [];
  const failures: InvariantRow[] = [];
  const rssMiB = (): string =>
    cluster.instances
      .map((i) => ((processRssKiB(i.pid ?? -1) ?? NaN) / 1024).toFixed(1))
      .join(' / ');
  soak.push({ round: 'start', 'RSS MiB (instance 0 / 1)': rssMiB(), 'ops/s': '', ok: '' });
  for (let round = 1; round <= ROUNDS; round++) {
    // Each round: new users, later CreateTimes; the token must still have been issued once.
    const run = await runWorkload(cluster, COUNTS, {
      baseTime: 1_700_000_000 + round * 100_000,
    });
    await waitInboxSettled(cluster, 300_000);
    const invariants = await checkInvariants(cluster, run);
    await report(`load (full, round ${round})`, cluster, run, invariants);
    const ops = [...run.client.latencies.values()].reduce((n, l) => n + l.length, 0);
    failures.push(...invariants.filter((r) => !r.ok));
    soak.push({
      round,
      'RSS MiB (instance 0 / 1)': rssMiB(),
      'ops/s': Math.round((ops / run.elapsedMs) * 1000),
      ok: invariants.every((r) => r.ok) ? 'yes' : 'NO',
    });
    cluster.proxy.resetStats();
  }
  printTable('soak', soak);
  expect(failures).toEqual([]);
});
