import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type mongoose from 'mongoose';
import type { Logger } from 'pino';
import { createApp } from './app';
import type { Config } from './config';
import type { HttpTimeouts } from './config/intake';
import type { AppDeps } from './deps';
import { composeDeps, type ComposeOptions } from './compose';
import { createLogger } from './platform/logger';
import { warnAboutPlaintextPushes } from './official-account/push/plaintext-warning';
import {
  startBackgroundWorkers,
  type BackgroundWorker,
  type BackgroundWorkerOptions,
} from './workers';

/** composeDeps' options (clock, random, wechatFetch, wechatTimeoutMs, dbName, defaultMetrics), plus the server's own. */
export interface StartServerOptions extends Omit<
  ComposeOptions,
  'config' | 'logger' | 'instanceId'
> {
  config: Config;
  logger?: Logger;
  /** Defaults to 0.0.0.0:config.port. */
  listen?: { host: string; port: number };
  /** How long close() waits for in-flight requests before cutting connections. */
  shutdownGraceMs?: number;
  /** Background worker tuning (tests use short poll and backoff intervals). */
  workers?: BackgroundWorkerOptions;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:54321 */
  readonly url: string;
  readonly deps: AppDeps;
  readonly app: Express;
  readonly server: Server;
  /** Graceful stop: no new connections, in-flight requests finish, workers stop, database closes. */
  close(): Promise<void>;
}

/** Connects the database, builds the dependencies and the app, listens, and starts the workers. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  if (!config.mongodbUri) throw new Error('startServer needs config.mongodbUri');
  const logger = options.logger ?? createLogger(config);
  warnAboutPlaintextPushes(config.officialAccounts, logger);

  const deps = await composeDeps({
    ...options,
    config: { ...config, mongodbUri: config.mongodbUri },
    logger,
  });
  const { db } = deps;
  let server: Server | undefined;
  let workers: BackgroundWorker[] = [];
  try {
    const app = createApp(deps);
    const listen = options.listen ?? { host: '0.0.0.0', port: config.port };
    server = await listenOn(app, listen, config.httpTimeouts);
    workers = startBackgroundWorkers(deps, options.workers);

    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
    const running = server;
    let closing: Promise<void> | undefined;
    return {
      url,
      deps,
      app,
      server: running,
      close: () =>
        (closing ??= shutdown(running, workers, db, logger, options.shutdownGraceMs ?? 10_000)),
    };
  } catch (err) {
    server?.close();
    await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
    await db.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Listens with timeouts fitting an API: a client must send its headers within
 * `headersMs` and the whole request within `requestMs` (idle or slowloris
 * sockets are closed), and idle keep-alive sockets go after `keepAliveMs`.
 * Node checks those deadlines every `connectionsCheckingInterval` (30 s by
 * default): checked every second, or faster when the timeouts are shorter.
 */
function listenOn(
  app: Express,
  at: { host: string; port: number },
  timeouts: HttpTimeouts,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        connectionsCheckingInterval: Math.min(1000, Math.ceil(timeouts.headersMs / 4)),
      },
      app,
    );
    server.once('listening', () => resolve(server));
    server.once('error', reject);
    server.listen(at.port, at.host);
  });
}

async function shutdown(
  server: Server,
  workers: BackgroundWorker[],
  db: mongoose.Connection,
  logger: Logger,
  graceMs: number,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive sockets with no request in flight would hold close() open, and
  // a socket whose last answer goes out after close() becomes idle later: keep
  // sweeping idle sockets until the server is closed.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const force = setTimeout(() => {
    logger.warn('shutdown grace period over; closing remaining connections');
    server.closeAllConnections();
  }, graceMs);
  force.unref();
  await closed;
  clearInterval(sweep);
  clearTimeout(force);
  await Promise.all(
    workers.map((w) =>
      w.stop().catch((err: unknown) => logger.error({ err }, 'background worker failed to stop')),
    ),
  );
  await db.close();
}
