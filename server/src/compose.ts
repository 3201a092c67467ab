import { randomBytes, randomUUID } from 'node:crypto';
import { attachMongoGuard, mongoGuardClientOptions, mongoGuardMode } from '@wxlink/testkit';
import mongoose from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { AppDeps, Clock, HotPathInserts, Random } from './deps';
import {
  createInsertBatcher,
  DEFAULT_INSERT_BATCHING,
  type InsertTarget,
} from './platform/insert-batcher';
import { createMetrics, type Metrics } from './platform/metrics';
import { createModels, initModels, type Models } from './models';
import { installFollowerGapSampler } from './operator/unionid-gap';
import { createFollowerViewReads } from './official-account/followers/view-reads';
import { createWechatApis } from './wechat/apis';
import type { WechatHttp } from './wechat/http-client';

export const systemClock: Clock = { now: () => new Date() };
export const cryptoRandom: Random = { bytes: (size) => randomBytes(size) };

export interface ComposeOptions {
  config: Config & { mongodbUri: string };
  logger: Logger;
  clock?: Clock;
  random?: Random;
  /** How WeChat calls are sent (default undici: wechat/http-client.ts; tests inject faults here). */
  wechatFetch?: WechatHttp;
  /** Per-call timeout of WeChat calls (default 5 s; tests shorten it). */
  wechatTimeoutMs?: number;
  /** Database name; defaults to the one in the URI. */
  dbName?: string;
  /** Prometheus default process metrics; off when several instances share a process. */
  defaultMetrics?: boolean;
  /** Names this process in the access-token lease (logs and debugging). */
  instanceId?: string;
}

/**
 * The one place that turns configuration into live dependencies: connects
 * the database, builds the indexes, and wires models, metrics and the WeChat
 * client. Used by the HTTP runtime, the commands (commands/command.ts) and
 * the benchmarks, so they all run the same wiring. The caller owns `deps.db` and closes it.
 */
export async function composeDeps(options: ComposeOptions): Promise<AppDeps> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  // The MongoDB strictness guard (@wxlink/testkit): on under jest and, in log
  // mode, under `npm run dev`; off in production unless WXLINK_DB_GUARD says so.
  const guardMode = mongoGuardMode(process.env);
  const db = mongoose.createConnection(config.mongodbUri, {
    autoCreate: false,
    ...(options.dbName ? { dbName: options.dbName } : {}),
    serverSelectionTimeoutMS: 10_000,
    ...mongoGuardClientOptions(guardMode),
  });
  attachMongoGuard(db.getClient(), { mode: guardMode, log: (line) => logger.warn(line) });
  try {
    await db.asPromise();
    const models = createModels(db);
    await initModels(models);
    const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
    const wechat = createWechatApis({
      config,
      accessTokens: models.AccessToken,
      clock,
      metrics,
      logger,
      instanceId: options.instanceId ?? randomUUID(),
      fetch: options.wechatFetch,
      ...(options.wechatTimeoutMs !== undefined ? { timeoutMs: options.wechatTimeoutMs } : {}),
    });
    const deps: AppDeps = {
      config,
      clock,
      random: options.random ?? cryptoRandom,
      logger,
      db,
      models,
      wechat,
      metrics,
      inserts: createHotPathInserts(models, metrics),
      followerViews: createFollowerViewReads({ models }),
    };
    // The unionid-gap gauge reads the database when scraped.
    installFollowerGapSampler(deps);
    return deps;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/** One insert batcher per hot collection, each reporting its command sizes. */
function createHotPathInserts(models: Models, metrics: Metrics): HotPathInserts {
  const batcherFor = <T>(target: InsertTarget<T> & { collectionName: string }) => {
    const collection = target.collectionName;
    return createInsertBatcher<T>(target, {
      ...DEFAULT_INSERT_BATCHING,
      onBatch: (size) => metrics.dbInsertBatchSize.observe({ collection }, size),
    });
  };
  return {
    inbox: batcherFor(models.Inbox.collection),
    sessions: batcherFor(models.Session.collection),
    loginAudit: batcherFor(models.LoginAudit.collection),
  };
}
