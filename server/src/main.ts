/**
 * Production entry (`npm start`): configuration from the environment,
 * graceful shutdown on SIGTERM/SIGINT (a repeat within 3 s is ignored; a
 * later one forces the exit, see shutdown-signals.ts).
 */
import { startEmbeddedMongo, type MongoHandle } from '@wxlink/testkit';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './platform/logger';
import { startServer, type RunningServer } from './runtime';
import { createSignalHandler } from './platform/shutdown-signals';

function readConfig(): Config {
  try {
    return loadConfig(process.env, 'production');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) process.stderr.write(`configuration error: ${problem}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  let config = readConfig();
  const logger = createLogger(config);

  let mongo: MongoHandle | undefined;
  if (!config.mongodbUri) {
    process.stderr.write(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '!! MONGODB_URI is not set: using an EMBEDDED IN-MEMORY database.      !!',
        '!! NOTHING PERSISTS: every user, session and follower is lost on exit. !!',
        '!! Set MONGODB_URI to a real MongoDB (replica set recommended).       !!',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '',
      ].join('\n'),
    );
    mongo = await startEmbeddedMongo({ env: {} });
    config = { ...config, mongodbUri: mongo.uri };
    logger.warn('embedded in-memory database in use: nothing persists');
  }

  let running: RunningServer;
  try {
    running = await startServer({ config, logger, ...(mongo ? { dbName: 'wxlink' } : {}) });
  } catch (err) {
    logger.fatal({ err }, 'server failed to start');
    await mongo?.stop();
    process.exit(1);
  }
  logger.info({ url: running.url, port: config.port }, 'wxlink server listening');

  const stop = createSignalHandler({
    now: Date.now,
    onShutdown: (signal) => {
      logger.info({ signal }, 'shutting down');
      running
        .close()
        .then(() => mongo?.stop())
        .then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
    },
    onIgnored: (signal) => {
      logger.info({ signal }, 'repeated signal ignored: already shutting down');
    },
    onForce: (signal) => {
      logger.warn({ signal }, 'signal during shutdown: exiting now');
      process.exit(1);
    },
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
