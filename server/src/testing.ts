/**
 * `@wxlink/server/testing`: what another workspace's tests need to run the
 * real server in-process (the mini-program's contract suites, the benchmarks).
 * Test-only defaults live here once instead of in every caller.
 */
import type pino from 'pino';
import { loadConfig, type Config } from './config';
import type { Clock } from './deps';
import { createLogger } from './platform/logger';
import { startServer, type RunningServer } from './runtime';
import type { WechatHttp } from './wechat/http-client';
import type { BackgroundWorkerOptions } from './workers';

export { createModels, initModels, type Models } from './models';
export type { BackgroundWorkerOptions } from './workers';
export type { WechatHttp } from './wechat/http-client';

/**
 * Environment defaults for a test server: every test client logs in from
 * 127.0.0.1, so the per-address login limits would only measure the suite.
 */
export const TEST_ENV_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
  LOGIN_FAILURE_LIMIT_PER_MINUTE: '100000',
  LOG_LEVEL: 'silent',
});

/** Fast background workers: pushes are processed within tens of milliseconds. */
export const FAST_WORKERS: BackgroundWorkerOptions = Object.freeze({
  inbox: { pollIntervalMs: 50, backoffBaseMs: 50 },
});

export interface TestServerStartOptions {
  /** Environment for loadConfig (production rules), on top of TEST_ENV_DEFAULTS. */
  env: Record<string, string>;
  /** Database name inside MONGODB_URI (each suite uses its own). */
  dbName: string;
  clock?: Clock;
  wechatFetch?: WechatHttp;
  /** Per-call timeout of WeChat calls (default 5 s). */
  wechatTimeoutMs?: number;
  workers?: BackgroundWorkerOptions;
  /** Where log lines go (default: nowhere unless env sets LOG_LEVEL). */
  logDestination?: pino.DestinationStream;
  /** How long close() waits for in-flight requests (default 2000 ms). */
  shutdownGraceMs?: number;
}

/** The real server on 127.0.0.1, an ephemeral port, with test defaults. */
export async function startServerForTests(
  options: TestServerStartOptions,
): Promise<{ running: RunningServer; config: Config }> {
  const config = loadConfig({ ...TEST_ENV_DEFAULTS, ...options.env }, 'production');
  const running = await startServer({
    config,
    logger: createLogger(config, options.logDestination),
    dbName: options.dbName,
    listen: { host: '127.0.0.1', port: 0 },
    defaultMetrics: false,
    shutdownGraceMs: options.shutdownGraceMs ?? 2000,
    workers: options.workers ?? FAST_WORKERS,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.wechatFetch ? { wechatFetch: options.wechatFetch } : {}),
    ...(options.wechatTimeoutMs ? { wechatTimeoutMs: options.wechatTimeoutMs } : {}),
  });
  return { running, config };
}
