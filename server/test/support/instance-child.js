'use strict';
/**
 * One server instance in its own OS process, for the cluster, fault and
 * shutdown suites (test/support/cluster.ts): a real `kill -9` or SIGTERM
 * needs a real process. It runs the BUILT server (dist/), like `npm start`,
 * so `npm run build -w @wxlink/server` must have run (turbo's test task
 * depends on build).
 *
 * Configuration: the usual environment variables (loadConfig, production
 * mode), plus test-only knobs read here:
 *   WXLINK_CHILD_DB_NAME            database name (instances of a cluster share one)
 *   WXLINK_CHILD_WORKERS            JSON BackgroundWorkerOptions (short leases for takeover tests)
 *   WXLINK_CHILD_WECHAT_TIMEOUT_MS  shorter client timeout for WeChat calls (hanging-sandbox tests)
 *   WXLINK_CHILD_SHUTDOWN_GRACE_MS  close() grace period
 *   WXLINK_CHILD_LOG_FILE           append log lines to this file instead of stderr
 *
 * Protocol: one line `WXLINK_CHILD_READY {"url":…,"pid":…}` on stdout once it
 * listens on 127.0.0.1:0. SIGTERM/SIGINT: graceful close, then exit 0 (1 on
 * failure), the same sequence as src/main.ts. Logs go to stderr. When the
 * parent goes away (IPC channel closed) the child exits, so a crashed test
 * run leaves no orphan server behind.
 */
const path = require('node:path');
const pino = require('pino');

const dist = path.resolve(__dirname, '../../dist');
const { loadConfig } = require(path.join(dist, 'config'));
const { createLogger } = require(path.join(dist, 'platform/logger'));
const { startServer } = require(path.join(dist, 'runtime'));

function intEnv(name) {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

async function main() {
  const config = loadConfig(process.env, 'production');
  const logFile = process.env.WXLINK_CHILD_LOG_FILE;
  const logger = createLogger(
    config,
    logFile ? pino.destination({ dest: logFile, append: true, sync: true }) : pino.destination(2),
  );
  const workers = process.env.WXLINK_CHILD_WORKERS
    ? JSON.parse(process.env.WXLINK_CHILD_WORKERS)
    : undefined;
  const wechatTimeoutMs = intEnv('WXLINK_CHILD_WECHAT_TIMEOUT_MS');
  const running = await startServer({
    config,
    logger,
    dbName: process.env.WXLINK_CHILD_DB_NAME || undefined,
    listen: { host: '127.0.0.1', port: 0 },
    defaultMetrics: false,
    shutdownGraceMs: intEnv('WXLINK_CHILD_SHUTDOWN_GRACE_MS') ?? 5000,
    ...(workers ? { workers } : {}),
    ...(wechatTimeoutMs ? { wechatTimeoutMs } : {}),
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'child instance shutting down');
    running.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${err && err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', () => process.exit(1));

  process.stdout.write(
    `WXLINK_CHILD_READY ${JSON.stringify({ url: running.url, pid: process.pid })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`instance-child failed to start: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
