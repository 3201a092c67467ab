/**
 * The load workload and its invariants, shared by the fast subset
 * (test/load.test.ts, test/faults.test.ts) and the full-size runner
 * (test/load/full.load.ts): concurrent logins (including racing first logins
 * of one user), profile authorisations, and official-account pushes through
 * the cluster's proxy, with WeChat-style retries (answers lost by the proxy)
 * and duplicate deliveries (the same event pushed twice at once, landing on
 * both instances).
 */
import { createHash } from 'node:crypto';
import { pushDedupKey } from '@wxlink/contracts';
import type { PushResult, Sandbox, SandboxUser } from '@wxlink/wechat-sandbox';
import { EVENTS_PATH, inboxSettled } from '../official-account/linkage-support';
import type { Cluster, ProxyAnswer } from '../support/cluster';
import { metricSum, percentile, pool, printTable, sleep } from '../support/cluster';
import { expectedStatusFn, followerRows, inboxRows } from './follower-invariants';

export interface LoadCounts {
  /** Distinct mini-program users; each logs in at least once. */
  users: number;
  /** Of those, how many log in twice at the same moment (the first-login race). */
  doubleLogins: number;
  /** POST /api/v1/me/profile calls (one per user, the first `profiles` users). */
  profiles: number;
  /** Users who follow the official account (one subscribe push each). */
  subscribes: number;
  /** Of the followers, how many unfollow later (an unsubscribe push each). */
  unsubscribes: number;
  /** Subscribe pushes delivered twice concurrently (same event, two signed requests). */
  duplicates: number;
  /** Parallel client operations. */
  concurrency: number;
}

export const FAST_COUNTS: LoadCounts = {
  users: 40,
  doubleLogins: 8,
  profiles: 40,
  subscribes: 40,
  unsubscribes: 10,
  duplicates: 10,
  concurrency: 12,
};

/**
 * Full-size counts for `users` users. The embedded database's write cost grows
 * with collection size: past ~1,500 inbox items at 48 in parallel its writes
 * exceed the 3 s intake budget (503, retried), so the default (300 users per
 * round, 3 rounds) stays below that; use LOAD_USERS with a real MongoDB.
 */
export function fullCounts(users: number): LoadCounts {
  return {
    users,
    doubleLogins: Math.floor(users / 6),
    profiles: users,
    subscribes: users,
    unsubscribes: Math.floor(users / 4),
    duplicates: Math.floor(users / 4),
    concurrency: 48,
  };
}

/**
 * Proxy hook: loses the answer to the first delivery of every n-th push (the
 * server stored it; WeChat never hears back and retries). A retry re-sends the
 * same signed body, so it is recognised and never lost: every push gets through
 * within WeChat's attempts.
 */
export function loseEveryNthPush(n: number): (answer: ProxyAnswer, body: Buffer) => boolean {
  let pushes = 0;
  const seen = new Set<string>();
  return (answer, body) => {
    if (n <= 0 || answer.method !== 'POST' || !answer.path.startsWith(EVENTS_PATH)) return false;
    if (answer.status !== 200) return false;
    const key = createHash('sha256').update(body).digest('hex');
    if (seen.has(key)) return false;
    seen.add(key);
    pushes++;
    return pushes % n === 0;
  };
}

// ---------------------------------------------------------------------------
// A measuring HTTP client
// ---------------------------------------------------------------------------

export interface CallResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON answers
  body: any;
}

export class LoadClient {
  readonly latencies = new Map<string, number[]>();
  readonly statuses = new Map<string, Map<number, number>>();
  readonly serverErrors: Array<{ kind: string; status: number; detail: string }> = [];

  constructor(private readonly baseUrl: string) {}

  async call(
    kind: string,
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<CallResult> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const started = performance.now();
    let status = 0;
    let parsed: unknown;
    try {
      const res = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      const text = await res.text();
      parsed =
        text !== '' && (res.headers.get('content-type') ?? '').includes('json')
          ? JSON.parse(text)
          : text;
      if (status >= 500) this.serverErrors.push({ kind, status, detail: text.slice(0, 200) });
    } catch (err) {
      // A transport failure is what a client of a dead instance would see: count it as a 5xx.
      this.serverErrors.push({
        kind,
        status: 0,
        detail: err instanceof Error ? err.message : String(err),
      });
    }
    this.record(kind, performance.now() - started, status);
    return { status, body: parsed };
  }

  record(kind: string, ms: number, status: number): void {
    const lat = this.latencies.get(kind) ?? [];
    lat.push(ms);
    this.latencies.set(kind, lat);
    const st = this.statuses.get(kind) ?? new Map<number, number>();
    st.set(status, (st.get(status) ?? 0) + 1);
    this.statuses.set(kind, st);
  }

  /** One row per kind: count, statuses, p50/p99. */
  rows(elapsedMs: number): Array<Record<string, string | number>> {
    return [...this.latencies].map(([kind, lat]) => ({
      operation: kind,
      count: lat.length,
      statuses: [...(this.statuses.get(kind) ?? new Map<number, number>())]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(' '),
      'ops/s': Math.round((lat.length / elapsedMs) * 1000 * 10) / 10,
      'p50 ms': Math.round(percentile(lat, 50) * 10) / 10,
      'p99 ms': Math.round(percentile(lat, 99) * 10) / 10,
    }));
  }
}

// ---------------------------------------------------------------------------
// Pushes
// ---------------------------------------------------------------------------

export interface PushRecord {
  key: string;
  kind: 'subscribe' | 'unsubscribe';
  user: SandboxUser;
  at: number;
  results: PushResult[];
}

export interface PushOptionsForLoad {
  /** Per-attempt timeout (WeChat: 5000). */
  timeoutMs?: number;
  /** Attempts in all (WeChat: 3). */
  attempts?: number;
}

/** Pushes one follow event `deliveries` times at once, signed and encrypted (safe mode) like WeChat. */
export async function pushFollowEvent(
  sandbox: Sandbox,
  url: string,
  user: SandboxUser,
  kind: 'subscribe' | 'unsubscribe',
  at: number,
  deliveries: number,
  client: LoadClient,
  options: PushOptionsForLoad = {},
): Promise<PushRecord> {
  const fields = {
    ToUserName: sandbox.config.officialAccount.originalId,
    FromUserName: user.oaOpenid,
    CreateTime: at,
    MsgType: 'event',
    Event: kind,
    EventKey: '',
  };
  const results = await Promise.all(
    Array.from({ length: deliveries }, async () => {
      const started = performance.now();
      const result = await sandbox.push(fields, {
        url: url + EVENTS_PATH,
        mode: 'safe',
        timeoutMs: options.timeoutMs ?? 5000,
        attempts: options.attempts ?? 3,
      });
      const last = result.attempts[result.attempts.length - 1];
      client.record(`push ${kind}`, performance.now() - started, last?.status ?? 0);
      for (const attempt of result.attempts) {
        if (attempt.status !== undefined && attempt.status >= 500) {
          client.serverErrors.push({
            kind: `push ${kind}`,
            status: attempt.status,
            detail: attempt.body ?? '',
          });
        }
      }
      return result;
    }),
  );
  const key = pushDedupKey({
    MsgType: 'event',
    FromUserName: user.oaOpenid,
    CreateTime: at,
    Event: kind,
  });
  return { key, kind, user, at, results };
}

// ---------------------------------------------------------------------------
// The workload
// ---------------------------------------------------------------------------

export interface LoadRun {
  counts: LoadCounts;
  client: LoadClient;
  users: SandboxUser[];
  /** Users expected to be followers, and whether they still follow. */
  following: Map<SandboxUser, boolean>;
  pushes: PushRecord[];
  tokens: Map<SandboxUser, string>;
  elapsedMs: number;
}

export interface RunOptions {
  /** First CreateTime used; distinct per run so runs in one database never collide. */
  baseTime?: number;
  push?: PushOptionsForLoad;
  /** Called once, half-way through the operations (fault injection point). */
  midway?: () => Promise<void>;
}

/**
 * Runs the mixed workload against `cluster.url`. Client-visible outcomes are
 * collected, not asserted: the caller checks the invariants afterwards.
 */
export async function runWorkload(
  cluster: Cluster,
  counts: LoadCounts,
  options: RunOptions = {},
): Promise<LoadRun> {
  const { sandbox } = cluster;
  const client = new LoadClient(cluster.url);
  const baseTime = options.baseTime ?? 1_700_000_000;
  const users = Array.from({ length: counts.users }, (_, i) =>
    sandbox.createUser({ nickName: `load-${i}` }),
  );
  const tokens = new Map<SandboxUser, string>();
  const following = new Map<SandboxUser, boolean>();
  const pushes: PushRecord[] = [];

  const loginTask = (user: SandboxUser, i: number) => async (): Promise<void> => {
    // Codes are minted together, as two taps on two devices would: both are valid.
    const codes = Array.from({ length: i < counts.doubleLogins ? 2 : 1 }, () =>
      sandbox.mintLoginCode(user),
    );
    const answers = await Promise.all(
      codes.map((code) => loginWithRetry(client, sandbox, user, code)),
    );
    const ok = answers.find((a) => a.status === 201);
    if (!ok) return;
    const token = ok.body.token as string;
    tokens.set(user, token);
    if (i < counts.profiles) {
      await client.call(
        'profile',
        'POST',
        '/api/v1/me/profile',
        sandbox.userInfoPayload(user),
        token,
      );
    }
    await client.call('me', 'GET', '/api/v1/me', undefined, token);
  };

  const followTask = (user: SandboxUser, i: number) => async (): Promise<void> => {
    const at = baseTime + i;
    await sandbox.follow(user, { at, push: false }); // WeChat's state: user/info answers subscribe=1
    following.set(user, true);
    pushes.push(
      await pushFollowEvent(
        sandbox,
        cluster.url,
        user,
        'subscribe',
        at,
        i < counts.duplicates ? 2 : 1,
        client,
        options.push,
      ),
    );
    if (i >= counts.subscribes - counts.unsubscribes) {
      // A later unfollow. WeChat's own state is left as is, so a subscribe processed after
      // this event still finds the unionid; the server must keep the newer state.
      following.set(user, false);
      pushes.push(
        await pushFollowEvent(
          sandbox,
          cluster.url,
          user,
          'unsubscribe',
          at + 3600,
          1,
          client,
          options.push,
        ),
      );
    }
  };

  // Interleave logins and pushes so both instances see both kinds at once.
  const tasks: Array<() => Promise<void>> = [];
  for (let i = 0; i < counts.users; i++) {
    tasks.push(loginTask(users[i]!, i));
    if (i < counts.subscribes) tasks.push(followTask(users[i]!, i));
  }
  if (options.midway) {
    const half = Math.floor(tasks.length / 2);
    const midway = options.midway;
    tasks.splice(half, 0, midway);
  }
  const started = performance.now();
  await pool(counts.concurrency, tasks);
  const elapsedMs = performance.now() - started;
  return { counts, client, users, following, pushes, tokens, elapsedMs };
}

/**
 * Logs in; a 502/503 (WeChat or the database briefly unavailable) is retried
 * with a fresh code, as the mini-program does (wx.login again).
 */
async function loginWithRetry(
  client: LoadClient,
  sandbox: Sandbox,
  user: SandboxUser,
  code: string,
): Promise<CallResult> {
  let answer = await client.call('login', 'POST', '/api/v1/sessions', { code });
  for (let attempt = 1; attempt < 5 && (answer.status >= 500 || answer.status === 0); attempt++) {
    await sleep(200 * attempt);
    answer = await client.call('login (retry)', 'POST', '/api/v1/sessions', {
      code: sandbox.mintLoginCode(user),
    });
  }
  return answer;
}

// ---------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------

export interface InvariantRow {
  invariant: string;
  expected: string | number;
  actual: string | number;
  ok: boolean;
}

/** Waits until no inbox item is pending or processing. */
export function waitInboxSettled(cluster: Cluster, timeoutMs = 60_000): Promise<void> {
  return inboxSettled(cluster, timeoutMs);
}

/**
 * Checks the suite's invariants against the database, the sandbox and what the
 * clients saw. `allowServerErrors` is for fault scenarios, where some 5xx are
 * the correct answer (e.g. 503 while the database is paused) and are retried.
 */
export async function checkInvariants(
  cluster: Cluster,
  run: LoadRun,
  options: { allowServerErrors?: boolean } = {},
): Promise<InvariantRow[]> {
  const { models, sandbox } = cluster;
  const rows: InvariantRow[] = [];
  const row = (invariant: string, expected: string | number, actual: string | number): void => {
    rows.push({ invariant, expected, actual, ok: expected === actual });
  };

  const deliveries = run.pushes.flatMap((p) => p.results);
  row(
    'push deliveries acknowledged (success)',
    deliveries.length,
    deliveries.filter((r) => r.delivered).length,
  );

  await inboxRows(cluster, run, row);
  await followerRows(cluster, run, row);

  const openids = run.users.map((u) => u.miniOpenid);
  const userGroups = await models.User.aggregate<{ _id: string; n: number }>([
    { $match: { miniOpenid: { $in: openids } } },
    { $group: { _id: '$miniOpenid', n: { $sum: 1 } } },
  ]);
  row('users (one per openid)', run.users.length, userGroups.length);
  row('openids with more than one user', 0, userGroups.filter((g) => g.n > 1).length);
  row('logins that got a token', run.users.length, run.tokens.size);

  // Linkage end to end: what the mini-program would show each user.
  const expectedStatus = await expectedStatusFn(cluster, run);
  let views = 0;
  await pool(
    run.counts.concurrency,
    [...run.tokens].map(([user, token]) => async () => {
      const res = await run.client.call(
        'subscription',
        'GET',
        '/api/v1/me/subscription',
        undefined,
        token,
      );
      if (res.status === 200 && res.body?.status === expectedStatus(user)) views++;
    }),
  );
  row('GET /me/subscription = follower state', run.tokens.size, views);

  if (!options.allowServerErrors) {
    row('5xx / transport errors seen by clients', 0, run.client.serverErrors.length);
    row('5xx relayed by the proxy', 0, cluster.proxy.serverErrors.length);
  }
  const issued = sandbox.stats().tokensIssued;
  const appid = sandbox.config.officialAccount.appid;
  row('access tokens issued (official account)', 1, issued[appid] ?? 0);
  row(
    'appids with more than one token issued',
    0,
    Object.values(issued).filter((n) => n > 1).length,
  );
  return rows;
}

/** Retry figures: pusher retries, lost answers, dedup hits, processing retries, inbox attempts. */
export async function retryFigures(
  cluster: Cluster,
  run: LoadRun,
): Promise<Array<Record<string, string | number>>> {
  const deliveries = run.pushes.flatMap((p) => p.results);
  const attempts = deliveries.reduce((n, r) => n + r.attempts.length, 0);
  let deduplicated = 0;
  let processingRetries = 0;
  let wechatErrors = 0;
  for (const instance of cluster.instances) {
    if (!instance.url) continue;
    const text = await instance.metrics();
    deduplicated += metricSum(text, 'oa_events_deduplicated_total');
    processingRetries += metricSum(text, 'oa_events_processed_total', { outcome: 'retry' });
    wechatErrors += metricSum(text, 'wechat_api_errcodes_total');
  }
  const inbox = await cluster.models.Inbox.aggregate<{ n: number; attempts: number }>([
    { $group: { _id: null, n: { $sum: 1 }, attempts: { $sum: '$attempts' } } },
  ]);
  const totals = inbox[0] ?? { n: 0, attempts: 0 };
  return [
    { figure: 'push deliveries (incl. duplicates)', value: deliveries.length },
    { figure: 'push HTTP attempts (WeChat retries included)', value: attempts },
    { figure: 'push retries by the pusher', value: attempts - deliveries.length },
    { figure: 'answers lost by the proxy', value: cluster.proxy.lost() },
    { figure: 'proxy failovers (connection refused)', value: cluster.proxy.failovers() },
    { figure: 'deduplicated pushes (metric, live instances)', value: deduplicated },
    { figure: 'processing retries (metric, live instances)', value: processingRetries },
    { figure: 'WeChat errcodes seen (metric, live instances)', value: wechatErrors },
    { figure: 'inbox items', value: totals.n },
    { figure: 'inbox claim attempts (sum of attempts)', value: totals.attempts },
  ];
}

/** Prints the run: per-operation figures, retry figures and the invariant table. */
export async function report(
  title: string,
  cluster: Cluster,
  run: LoadRun,
  invariants: InvariantRow[],
): Promise<void> {
  printTable(
    `${title}: operations (${Math.round(run.elapsedMs)} ms)`,
    run.client.rows(run.elapsedMs),
  );
  printTable(`${title}: retries`, await retryFigures(cluster, run));
  printTable(
    `${title}: invariants`,
    invariants.map((r) => ({ ...r, ok: r.ok ? 'yes' : 'NO' })),
  );
}
