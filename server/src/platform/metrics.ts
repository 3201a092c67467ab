import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics. One registry per app instance (not prom-client's global
 * one) so two instances in one test process do not collide.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly logins: Counter<'outcome'>;
  readonly eventsReceived: Counter<'type'>;
  readonly eventsDeduplicated: Counter;
  readonly eventsProcessed: Counter<'type' | 'outcome'>;
  readonly eventsDeadLettered: Counter<'type'>;
  readonly inboxBacklog: Gauge;
  readonly tokenRefreshes: Counter<'appid' | 'outcome'>;
  readonly wechatDuration: Histogram<'api' | 'outcome'>;
  readonly wechatErrcodes: Counter<'api' | 'errcode'>;
  /** Documents per insert command of the grouped inserts (platform/insert-batcher.ts). */
  readonly dbInsertBatchSize: Histogram<'collection'>;
  /** Logins whose user has no unionid (neither from code2Session nor from decrypted user data). */
  readonly loginsWithoutUnionid: Counter<'appid'>;
  /** Current followers with no unionid, per official account; sampled on scrape (see unionid-gap.ts). */
  readonly followersWithoutUnionid: Gauge<'appid'>;
  /**
   * What followersWithoutUnionid reads when scraped: appid → count. Installed
   * once the database is connected (installFollowerGapSampler); unset, the
   * gauge keeps its last value.
   */
  followerGapSampler: (() => Promise<ReadonlyMap<string, number>>) | undefined;
}

/**
 * The server's Prometheus registry and every metric in it. Longer than the
 * ~80-line rule on purpose: it is one declarative list (name, help, labels
 * per metric), and splitting it would scatter the names a dashboard reads.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: Metrics = {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    logins: new Counter({
      name: 'logins_total',
      help: 'Mini-program logins by outcome (ok or an error code)',
      labelNames: ['outcome'],
      registers,
    }),
    eventsReceived: new Counter({
      name: 'oa_events_received_total',
      help: 'Official-account pushes stored in the inbox, by type',
      labelNames: ['type'],
      registers,
    }),
    eventsDeduplicated: new Counter({
      name: 'oa_events_deduplicated_total',
      help: 'Pushes answered without storing because they were already in the inbox',
      registers,
    }),
    eventsProcessed: new Counter({
      name: 'oa_events_processed_total',
      help: 'Inbox items processed, by type and outcome (done, retry)',
      labelNames: ['type', 'outcome'],
      registers,
    }),
    eventsDeadLettered: new Counter({
      name: 'oa_events_dead_lettered_total',
      help: 'Inbox items given up on after the maximum number of attempts',
      labelNames: ['type'],
      registers,
    }),
    inboxBacklog: new Gauge({
      name: 'oa_inbox_backlog',
      help: 'Inbox items waiting to be processed (sampled by the processor)',
      registers,
    }),
    tokenRefreshes: new Counter({
      name: 'wechat_token_refreshes_total',
      help: 'access_token refreshes performed by this instance',
      labelNames: ['appid', 'outcome'],
      registers,
    }),
    wechatDuration: new Histogram({
      name: 'wechat_api_duration_seconds',
      help: 'WeChat API call latency',
      labelNames: ['api', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    wechatErrcodes: new Counter({
      name: 'wechat_api_errcodes_total',
      help: 'Non-zero errcodes returned by WeChat, by API',
      labelNames: ['api', 'errcode'],
      registers,
    }),
    dbInsertBatchSize: new Histogram({
      name: 'db_insert_batch_size',
      help: 'Documents per insert command on the hot paths (concurrent inserts travel together)',
      labelNames: ['collection'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 100],
      registers,
    }),
    loginsWithoutUnionid: new Counter({
      name: 'mp_logins_without_unionid_total',
      help: 'Mini-program logins whose user has no unionid: the linkage cannot tell whether they follow',
      labelNames: ['appid'],
      registers,
    }),
    followersWithoutUnionid: new Gauge({
      name: 'oa_followers_without_unionid',
      help: 'Current followers of an official account whose unionid is unknown (pending lookup or not returned by WeChat)',
      labelNames: ['appid'],
      registers,
      // prom-client calls this on every scrape; `this` is the gauge.
      async collect() {
        const sample = await metrics.followerGapSampler?.();
        if (sample === undefined) return;
        for (const [appid, count] of sample) this.set({ appid }, count);
      },
    }),
    followerGapSampler: undefined,
  };
  return metrics;
}
