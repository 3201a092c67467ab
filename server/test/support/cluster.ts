/**
 * Several server instances sharing one database behind a small round-robin
 * HTTP proxy, for the load, fault and shutdown suites.
 *
 * - `inproc` instances run in the test process through the harness
 *   (startTestServer): cheap, and their deps (metrics, models) are at hand.
 * - `child` instances run the built server (dist/) in their own process
 *   (instance-child.js), so a test can `kill -9` one mid-processing, SIGTERM
 *   it, or restart it on a new port.
 *
 * The proxy behaves like nginx's default upstream handling: round-robin over
 * the live instances; a connection refused (instance down) goes to the next
 * instance; any other upstream failure after the request was sent is a 502
 * (a POST is never replayed). It tallies statuses so the suites can assert
 * "no 5xx seen by clients".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';
import { uniqueDbName } from '@wxlink/testkit';
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';
import type mongoose from 'mongoose';
import { createModels, type Models } from '../../src/models';
import type { BackgroundWorkerOptions } from '../../src/workers';
import { guardedConnection } from './guarded-connection';
import { sandboxEnv, startTestServer, type TestServer } from './harness';

// ---------------------------------------------------------------------------
// Small helpers shared by the suites
// ---------------------------------------------------------------------------

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** Whether `promise` settles within `ms` (the timer never outlives the call). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `tasks` with at most `concurrency` in flight; results in task order. */
export async function pool<T>(concurrency: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, lane));
  return results;
}

/** Sum of a Prometheus metric's samples whose labels include `labels` (text exposition format). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    const ok = Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`));
    if (ok) sum += Number(match[3]);
  }
  return sum;
}

/** p-th percentile (0..100) of a list of numbers; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** Prints rows as an aligned text table (stdout, so it shows under jest and in the runner). */
export function printTable(
  title: string,
  rows: Array<Record<string, string | number | boolean>>,
): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string =>
    typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : String(v);
  const widths = columns.map((c) =>
    Math.max(c.length, ...rows.map((r) => cell(r[c] ?? '').length)),
  );
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join(' | ');
  const out = [
    `\n== ${title} ==`,
    line(columns),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map((r) => line(columns.map((c) => cell(r[c] ?? '')))),
    '',
  ].join('\n');
  process.stdout.write(out + '\n');
  return out;
}

// ---------------------------------------------------------------------------
// Round-robin proxy
// ---------------------------------------------------------------------------

export interface ProxyAnswer {
  method: string;
  path: string;
  status: number;
  upstream: string;
}

export interface ProxyOptions {
  /** Current upstream base URLs (re-read per request, so instances can come and go). */
  upstreams: () => readonly string[];
  /**
   * Called with each upstream answer before it is relayed; `true` loses it on
   * the way back (the socket is destroyed): the client never learns the
   * outcome and retries, as WeChat does after a timeout.
   */
  loseAnswer?: (answer: ProxyAnswer, body: Buffer) => boolean;
}

export interface RoundRobinProxy {
  readonly url: string;
  /** Answers relayed, by status code. */
  readonly statuses: Map<number, number>;
  /** Requests per upstream URL. */
  readonly perUpstream: Map<string, number>;
  /** Every 5xx relayed or generated (502 when an upstream failed mid-request). */
  readonly serverErrors: ProxyAnswer[];
  /** Answers deliberately lost (loseAnswer). */
  lost(): number;
  /** Connections refused by a down upstream and sent to the next one. */
  failovers(): number;
  resetStats(): void;
  close(): Promise<void>;
}

const MAX_PROXY_BODY = 16 * 1024 * 1024;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

export async function startRoundRobinProxy(options: ProxyOptions): Promise<RoundRobinProxy> {
  const statuses = new Map<number, number>();
  const perUpstream = new Map<string, number>();
  const serverErrors: ProxyAnswer[] = [];
  let lost = 0;
  let failovers = 0;
  /** Re-sends of one request after a reset on a reused keep-alive socket. */
  const MAX_STALE_RETRIES = 2;
  let turn = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const count = <K>(map: Map<K, number>, key: K): void => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PROXY_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const urlPath = req.url ?? '/';
      if (tooLarge) {
        count(statuses, 413);
        res.writeHead(413, { 'content-type': 'text/plain' }).end('proxy: body too large');
        return;
      }
      const body = Buffer.concat(chunks);
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
      }
      headers['content-length'] = String(body.length);
      delete headers['transfer-encoding'];

      const live = options.upstreams();
      const start = turn++;
      let staleRetries = 0;
      const tryUpstream = (attempt: number): void => {
        if (attempt >= live.length) {
          const answer = { method, path: urlPath, status: 502, upstream: '' };
          serverErrors.push(answer);
          count(statuses, 502);
          res.writeHead(502, { 'content-type': 'text/plain' }).end('proxy: no upstream available');
          return;
        }
        const upstream = live[(start + attempt) % live.length]!;
        const target = new URL(urlPath, upstream);
        let responded = false;
        const up = http.request(
          target,
          { method, headers: { ...headers, host: target.host }, agent },
          (upRes) => {
            responded = true;
            const upChunks: Buffer[] = [];
            upRes.on('data', (c: Buffer) => upChunks.push(c));
            upRes.on('error', () => res.destroy());
            upRes.on('end', () => {
              const status = upRes.statusCode ?? 502;
              const answer = { method, path: urlPath, status, upstream };
              const upBody = Buffer.concat(upChunks);
              count(perUpstream, upstream);
              if (options.loseAnswer?.(answer, body)) {
                lost++;
                res.destroy();
                return;
              }
              count(statuses, status);
              if (status >= 500) serverErrors.push(answer);
              const outHeaders: http.OutgoingHttpHeaders = {};
              for (const [k, v] of Object.entries(upRes.headers)) {
                if (!HOP_BY_HOP.has(k) && v !== undefined) outHeaders[k] = v;
              }
              outHeaders['content-length'] = String(upBody.length);
              res.writeHead(status, outHeaders).end(upBody);
            });
          },
        );
        up.on('error', (err: NodeJS.ErrnoException) => {
          if (responded) {
            res.destroy();
            return;
          }
          // Refused after a reset of a reused socket: the instance died (kill -9)
          // while it held the request, not an idle close, so it may have acted
          // on it (a login's code spent at WeChat). Like nginx, which passes a
          // non-idempotent request to the next server only if none was sent
          // (proxy_next_upstream non_idempotent off), answer 502 instead.
          if (err.code === 'ECONNREFUSED' && staleRetries === 0) {
            // The instance is down: nothing was sent, the next one may take it.
            failovers++;
            tryUpstream(attempt + 1);
            return;
          }
          if (err.code === 'ECONNRESET' && up.reusedSocket && staleRetries < MAX_STALE_RETRIES) {
            // A kept-alive socket the instance closed as idle just as this request
            // was written on it: the request never reached the server, so send it
            // again, as Node's http docs advise and proxies do.
            staleRetries++;
            tryUpstream(attempt);
            return;
          }
          const answer = { method, path: urlPath, status: 502, upstream };
          serverErrors.push(answer);
          count(statuses, 502);
          if (!res.headersSent) {
            res
              .writeHead(502, { 'content-type': 'text/plain' })
              .end(`proxy: upstream failed (${err.code ?? err.message})`);
          } else {
            res.destroy();
          }
        });
        up.end(body);
      };
      tryUpstream(0);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    statuses,
    perUpstream,
    serverErrors,
    lost: () => lost,
    failovers: () => failovers,
    resetStats: () => {
      statuses.clear();
      perUpstream.clear();
      serverErrors.length = 0;
      lost = 0;
      failovers = 0;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      })),
  };
}

// ---------------------------------------------------------------------------
// Child-process instances
// ---------------------------------------------------------------------------

const CHILD_ENTRY = path.join(__dirname, 'instance-child.js');
const DIST_RUNTIME = path.resolve(__dirname, '../../dist/runtime.js');
const READY = 'WXLINK_CHILD_READY ';

export interface ChildInstanceOptions {
  /** Full environment for loadConfig (sandboxEnv + overrides). */
  env: Record<string, string>;
  dbName: string;
  workers?: BackgroundWorkerOptions;
  wechatTimeoutMs?: number;
  shutdownGraceMs?: number;
  startTimeoutMs?: number;
}

export interface ChildInstance {
  readonly url: string;
  readonly pid: number;
  /** Resolves when the process has exited (code, signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KiB of its stderr (logs, crash traces), for failure messages. */
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

export function childEntryAvailable(): boolean {
  return existsSync(DIST_RUNTIME);
}

export async function spawnChildInstance(options: ChildInstanceOptions): Promise<ChildInstance> {
  if (!childEntryAvailable()) {
    throw new Error(
      `server/dist/runtime.js is missing: run "npm run build -w @wxlink/server" before these suites`,
    );
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    // The child is not under jest: turn the MongoDB strictness guard on explicitly.
    WXLINK_DB_GUARD: 'throw',
    ...options.env,
    WXLINK_CHILD_DB_NAME: options.dbName,
    ...(options.workers ? { WXLINK_CHILD_WORKERS: JSON.stringify(options.workers) } : {}),
    ...(options.wechatTimeoutMs
      ? { WXLINK_CHILD_WECHAT_TIMEOUT_MS: String(options.wechatTimeoutMs) }
      : {}),
    ...(options.shutdownGraceMs
      ? { WXLINK_CHILD_SHUTDOWN_GRACE_MS: String(options.shutdownGraceMs) }
      : {}),
  };
  const child: ChildProcess = spawn(process.execPath, [CHILD_ENTRY], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8192);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // The IPC channel only ties the child's life to ours; never hold our event loop open for it.
  child.channel?.unref();

  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `child instance did not start within ${options.startTimeoutMs ?? 20_000} ms: ${stderr.slice(-2000)}`,
        ),
      );
    }, options.startTimeoutMs ?? 20_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith(READY));
      if (line) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(JSON.parse(line.slice(READY.length)) as { url: string; pid: number });
      }
    };
    child.stdout?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `child instance exited before ready (code ${code}, signal ${signal}): ${stderr.slice(-2000)}`,
        ),
      );
    });
  });
  return {
    url: ready.url,
    pid: ready.pid,
    exited,
    stderr: () => stderr,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

// ---------------------------------------------------------------------------
// The cluster
// ---------------------------------------------------------------------------

export type InstanceKind = 'inproc' | 'child';

export interface ClusterInstance {
  readonly index: number;
  readonly kind: InstanceKind;
  /** Base URL while up; null after kill/stop. */
  readonly url: string | null;
  /** OS pid of a child instance. */
  readonly pid: number | undefined;
  /** The in-process server (inproc instances only, while up). */
  readonly server: TestServer | undefined;
  /** The child process (child instances only, while up). */
  readonly child: ChildInstance | undefined;
  /** SIGKILL (child) — no cleanup at all, its claims stay until their lease expires. */
  kill9(): Promise<void>;
  /** Graceful stop: SIGTERM (child, resolves with its exit) or close() (inproc). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Starts it again (new port), with the same options. */
  restart(): Promise<void>;
  /** Its /metrics text. */
  metrics(): Promise<string>;
}

export interface ClusterOptions {
  instances: readonly InstanceKind[];
  /** Reuse a sandbox (not closed by close()). */
  sandbox?: Sandbox;
  /** Database URI; default the jest run's embedded MongoDB. */
  mongoUri?: string;
  dbName?: string;
  /** Extra environment for every instance. */
  env?: Record<string, string>;
  /** Worker tuning for every instance, or per instance index. */
  workers?: BackgroundWorkerOptions | ((index: number) => BackgroundWorkerOptions);
  /** WeChat client timeout (shorter than the built-in 5 s), for every instance or per index. */
  wechatTimeoutMs?: number | ((index: number) => number | undefined);
  shutdownGraceMs?: number;
  loseAnswer?: ProxyOptions['loseAnswer'];
}

export interface Cluster {
  readonly sandbox: Sandbox;
  readonly dbName: string;
  /** Environment every instance started with. */
  readonly env: Record<string, string>;
  /** The proxy's URL: what clients (and the sandbox pusher) talk to. */
  readonly url: string;
  readonly proxy: RoundRobinProxy;
  readonly instances: readonly ClusterInstance[];
  /** Models on a connection of the test's own, for invariant checks (independent of any instance). */
  readonly models: Models;
  readonly db: mongoose.Connection;
  close(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const ownSandbox = options.sandbox === undefined;
  const sandbox = options.sandbox ?? (await startSandbox());
  const dbName = options.dbName ?? uniqueDbName('cluster');
  const env: Record<string, string> = {
    ...sandboxEnv(sandbox),
    // Follower retention is the server's default (erase) unless a suite sets
    // FOLLOWER_RETENTION: the invariants (test/load/follower-invariants.ts)
    // hold under either.
    ...(options.mongoUri ? { MONGODB_URI: options.mongoUri } : {}),
    ...options.env,
  };
  // No background follower import unless a suite asks for it (as in the harness).
  const workersOf = (i: number): BackgroundWorkerOptions => ({
    followers: false,
    ...(typeof options.workers === 'function' ? options.workers(i) : options.workers),
  });

  const timeoutOf = (i: number): number | undefined =>
    typeof options.wechatTimeoutMs === 'function'
      ? options.wechatTimeoutMs(i)
      : options.wechatTimeoutMs;

  const instances: ManagedInstance[] = options.instances.map(
    (kind, index) =>
      new ManagedInstance(index, kind, sandbox, dbName, env, {
        workers: workersOf(index),
        wechatTimeoutMs: timeoutOf(index),
        shutdownGraceMs: options.shutdownGraceMs,
      }),
  );
  const started: ManagedInstance[] = [];
  let proxy: RoundRobinProxy | undefined;
  let db: mongoose.Connection | undefined;
  try {
    // Sequential: the first start creates the collections and indexes.
    for (const instance of instances) {
      await instance.start();
      started.push(instance);
    }
    proxy = await startRoundRobinProxy({
      upstreams: () => instances.flatMap((i) => (i.url ? [i.url] : [])),
      ...(options.loseAnswer ? { loseAnswer: options.loseAnswer } : {}),
    });
    db = guardedConnection(env.MONGODB_URI!, dbName);
    await db.asPromise();
  } catch (err) {
    await Promise.all(started.map((i) => i.shutdown()));
    await proxy?.close();
    await db?.close();
    if (ownSandbox) await sandbox.close();
    throw err;
  }
  const conn = db;
  const prx = proxy;
  let closed: Promise<void> | undefined;
  return {
    sandbox,
    dbName,
    env,
    url: prx.url,
    proxy: prx,
    instances,
    models: createModels(conn),
    db: conn,
    close: () =>
      (closed ??= (async () => {
        await prx.close();
        await Promise.all(instances.map((i) => i.shutdown()));
        await conn.close();
        if (ownSandbox) await sandbox.close();
      })()),
  };
}

interface InstanceOptions {
  workers: BackgroundWorkerOptions | undefined;
  wechatTimeoutMs: number | undefined;
  shutdownGraceMs: number | undefined;
}

class ManagedInstance implements ClusterInstance {
  private inproc: TestServer | undefined;
  private proc: ChildInstance | undefined;

  constructor(
    readonly index: number,
    readonly kind: InstanceKind,
    private readonly sandbox: Sandbox,
    private readonly dbName: string,
    private readonly env: Record<string, string>,
    private readonly options: InstanceOptions,
  ) {}

  get url(): string | null {
    return this.inproc?.url ?? this.proc?.url ?? null;
  }
  get pid(): number | undefined {
    return this.proc?.pid;
  }
  get server(): TestServer | undefined {
    return this.inproc;
  }
  get child(): ChildInstance | undefined {
    return this.proc;
  }

  async start(): Promise<void> {
    if (this.url) throw new Error(`instance ${this.index} is already running`);
    if (this.kind === 'inproc') {
      this.inproc = await startTestServer({
        sandbox: this.sandbox,
        dbName: this.dbName,
        env: this.env,
        ...(this.options.workers ? { workers: this.options.workers } : {}),
        ...(this.options.wechatTimeoutMs ? { wechatTimeoutMs: this.options.wechatTimeoutMs } : {}),
      });
      return;
    }
    this.proc = await spawnChildInstance({
      env: this.env,
      dbName: this.dbName,
      ...(this.options.workers ? { workers: this.options.workers } : {}),
      ...(this.options.wechatTimeoutMs ? { wechatTimeoutMs: this.options.wechatTimeoutMs } : {}),
      ...(this.options.shutdownGraceMs ? { shutdownGraceMs: this.options.shutdownGraceMs } : {}),
    });
  }

  async kill9(): Promise<void> {
    const proc = this.proc;
    if (!proc) throw new Error(`instance ${this.index} is not a running child`);
    this.proc = undefined;
    proc.kill('SIGKILL');
    await proc.exited;
  }

  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.inproc) {
      const s = this.inproc;
      this.inproc = undefined;
      await s.close();
      return { code: 0, signal: null };
    }
    const proc = this.proc;
    if (!proc) throw new Error(`instance ${this.index} is not running`);
    this.proc = undefined;
    proc.kill('SIGTERM');
    return proc.exited;
  }

  async restart(): Promise<void> {
    await this.start();
  }

  async metrics(): Promise<string> {
    if (this.inproc) return this.inproc.deps.metrics.registry.metrics();
    if (!this.proc) throw new Error(`instance ${this.index} is not running`);
    const res = await fetch(`${this.proc.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return res.text();
  }

  /** Teardown: whatever state it is in, leave nothing running. */
  async shutdown(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc) {
      proc.kill('SIGTERM');
      if (!(await settlesWithin(proc.exited, 8000))) {
        proc.kill('SIGKILL');
        await proc.exited;
      }
    }
    const s = this.inproc;
    this.inproc = undefined;
    await s?.close();
  }
}

/** Resident set size of a process in KiB (Linux /proc), or undefined where unavailable. */
export function processRssKiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves true when nothing accepts TCP connections at `url` any more. */
export function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}
