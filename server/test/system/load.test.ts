/**
 * Load, fast subset: two server instances (one in its own process running the
 * built server, one in this process) share one database behind a round-robin
 * proxy. Concurrent logins (with racing first logins of one user), profile
 * authorisations and safe-mode pushes (with duplicate deliveries and answers
 * lost on the way back, so the pusher retries as WeChat does), then the
 * invariants are checked and printed. The full-size run is
 * `npm run test:load -w @wxlink/server` (test/load/full.load.ts).
 */
import { startCluster, type Cluster } from '../support/cluster';
import {
  FAST_COUNTS,
  checkInvariants,
  loseEveryNthPush,
  report,
  runWorkload,
  waitInboxSettled,
} from '../load/workload';

const WORKERS = {
  inbox: {
    pollIntervalMs: 50,
    leaseMs: 10_000,
    backoffBaseMs: 50,
    backoffMaxMs: 500,
    concurrency: 3,
  },
};

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({
    instances: ['child', 'inproc'],
    workers: WORKERS,
    loseAnswer: loseEveryNthPush(7),
  });
}, 60_000);
afterAll(async () => {
  await cluster?.close();
}, 30_000);

test('two instances under concurrent logins, profiles and pushes keep every invariant', async () => {
  const run = await runWorkload(cluster, FAST_COUNTS);
  await waitInboxSettled(cluster);
  const invariants = await checkInvariants(cluster, run);
  await report('load (fast subset)', cluster, run, invariants);

  // Both instances served traffic, and the retry paths were really exercised.
  expect([...cluster.proxy.perUpstream.values()].every((n) => n > 20)).toBe(true);
  expect(cluster.proxy.perUpstream.size).toBe(2);
  expect(cluster.proxy.lost()).toBeGreaterThan(0);
  expect(invariants.filter((r) => !r.ok)).toEqual([]);
  const statuses = run.client.statuses;
  expect(statuses.get('login')?.get(201)).toBe(FAST_COUNTS.users + FAST_COUNTS.doubleLogins);
  expect(statuses.get('profile')?.get(200)).toBe(FAST_COUNTS.profiles);
}, 120_000);
