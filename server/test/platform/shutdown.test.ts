/**
 * Graceful shutdown of a real server process (the built server in a child
 * process, test/support/instance-child.js, which shuts down like src/main.ts):
 * SIGTERM while logins are in flight and the inbox processor holds claims.
 *
 * Must hold: the listening socket closes at once (new connections refused),
 * the in-flight requests still complete, the claims are handed back (pending,
 * no lease) instead of waiting out their lease, and the process exits 0. A
 * new instance then finishes the released events right away.
 */
import http from 'node:http';
import {
  connectionRefused,
  printTable,
  startCluster,
  waitFor,
  type Cluster,
} from '../support/cluster';
import { EVENTS_PATH } from '../official-account/linkage-support';

let cluster: Cluster | undefined;
afterAll(async () => {
  cluster?.sandbox.clearFaults();
  await cluster?.close();
}, 30_000);

test('SIGTERM: in-flight requests complete, new connections refused, claims released, exit 0', async () => {
  const c = await startCluster({
    instances: ['child'],
    // A lease far longer than the test: only an explicit release can free the claims in time.
    workers: {
      inbox: {
        pollIntervalMs: 50,
        leaseMs: 120_000,
        backoffBaseMs: 50,
        concurrency: 2,
        stopTimeoutMs: 500,
      },
    },
    shutdownGraceMs: 10_000,
  });
  cluster = c;
  const { sandbox } = c;
  const instance = c.instances[0]!;
  const url = instance.url!;

  // Two logins in flight: code2Session answers only after 2.5 s. The client closes its
  // connection after the answer (no keep-alive), see docs/load-and-faults.md.
  sandbox.injectFault('sns/jscode2session', { delayMs: 2500, times: 2 });
  const loginUsers = [sandbox.createUser(), sandbox.createUser()];
  const callsBefore = sandbox.stats().calls['sns/jscode2session'] ?? 0;
  const settled: boolean[] = [false, false];
  const logins = loginUsers.map((u, i) =>
    postJson(`${url}/api/v1/sessions`, { code: sandbox.mintLoginCode(u) }).then((answer) => {
      settled[i] = true;
      return answer;
    }),
  );
  await waitFor(
    'both logins to reach WeChat',
    () => (sandbox.stats().calls['sns/jscode2session'] ?? 0) - callsBefore === 2,
  );

  // Meanwhile event handlers hang on WeChat (up to the client's 5 s timeout): the
  // processor holds claims it cannot finish before the shutdown.
  sandbox.injectFault('cgi-bin/user/info', { delayMs: 60_000 });
  const followers = Array.from({ length: 3 }, () => sandbox.createUser());
  await Promise.all(
    followers.map(async (u, i) => {
      await sandbox.follow(u, { at: 1_720_000_000 + i, push: false });
      const pushed = await sandbox.push(
        {
          ToUserName: sandbox.config.officialAccount.originalId,
          FromUserName: u.oaOpenid,
          CreateTime: 1_720_000_000 + i,
          MsgType: 'event',
          Event: 'subscribe',
        },
        { url: url + EVENTS_PATH, mode: 'safe' },
      );
      expect(pushed.delivered).toBe(true);
    }),
  );
  const claimed = await waitFor('two claims held', async () => {
    const items = await c.models.Inbox.find({ status: 'processing' }).lean();
    return items.length === 2 ? items : undefined;
  });

  const termAt = Date.now();
  const stopping = instance.stop(); // SIGTERM
  await waitFor('the listening socket to close', () => connectionRefused(url), 3000, 20);
  const refusedAfterMs = Date.now() - termAt;
  const inFlightWhenRefused = settled.filter((s) => !s).length;

  const answers = await Promise.all(logins);
  const exit = await stopping;
  const exitAfterMs = Date.now() - termAt;

  const released = await c.models.Inbox.find({ _id: { $in: claimed.map((i) => i._id) } }).lean();
  printTable('graceful shutdown', [
    { figure: 'new connections refused after (ms)', value: refusedAfterMs },
    { figure: 'requests still in flight at that moment', value: inFlightWhenRefused },
    { figure: 'in-flight login answers', value: answers.map((a) => a.status).join(',') },
    { figure: 'exit', value: `code ${exit.code}, signal ${exit.signal}` },
    { figure: 'exited after (ms)', value: exitAfterMs },
    {
      figure: 'claims released',
      value: released.filter((r) => r.status === 'pending' && r.leaseOwner === null).length,
    },
  ]);

  expect(inFlightWhenRefused).toBe(2);
  expect(answers.map((a) => a.status)).toEqual([201, 201]);
  for (const a of answers)
    expect((JSON.parse(a.text) as { token: string }).token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(exitAfterMs).toBeLessThan(10_000);
  for (const item of released) {
    expect(item).toMatchObject({
      status: 'pending',
      leaseOwner: null,
      leaseUntil: null,
      attempts: 0,
    });
  }
  expect(await c.models.Inbox.countDocuments({ status: 'processing' })).toBe(0);

  // Another instance picks the released events up at once (their 120 s lease is gone).
  sandbox.clearFaults();
  const restartedAt = Date.now();
  await instance.restart();
  await waitFor(
    'the released events to be processed',
    async () => (await c.models.Inbox.countDocuments({ status: 'done' })) === 3,
    15_000,
  );
  expect(Date.now() - restartedAt).toBeLessThan(15_000);
  const resolved = await c.models.Follower.countDocuments({
    unionid: { $in: followers.map((f) => f.unionid) },
  });
  expect(resolved).toBe(3);
}, 90_000);

/** POST JSON on a fresh connection that is closed after the answer. */
function postJson(url: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        timeout: 20_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(data);
  });
}
