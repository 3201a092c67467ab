import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Metrics of the follower linkage, registered on the app's registry the
 * first time they are asked for (one set per registry, so two app instances
 * in one process keep theirs apart).
 */
export interface LinkageMetrics {
  /** Pushes no handler exists for (e.g. a menu click), by type and event name. */
  readonly pushesUnhandled: Counter<'type' | 'event'>;
  /** Follower import/reconciliation runs by outcome (completed, interrupted, failed). */
  readonly followerSyncRuns: Counter<'appid' | 'outcome'>;
  /** Unix time of the last completed run. */
  readonly followerSyncLastCompleted: Gauge<'appid'>;
  /** Followers checked by the running (or last) run. */
  readonly followerSyncProcessed: Gauge<'appid'>;
  /** Records a reconciliation changed (lost unfollows corrected, missing followers added). */
  readonly followerSyncCorrections: Counter<'appid' | 'kind'>;
  /** Linkage events delivered, by target and outcome. */
  readonly linkageDeliveries: Counter<'target' | 'outcome'>;
  /** Deleted by retention: tombstones, processed inbox entries (`inbox`; `inbox_unfollowed` = with an unfollow, erase), delivered events. */
  readonly pruned: Counter<'what'>;
}

const byRegistry = new WeakMap<Registry, LinkageMetrics>();

/** The linkage metrics of `registry`. */
export function linkageMetrics(registry: Registry): LinkageMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: LinkageMetrics = {
    pushesUnhandled: new Counter({
      name: 'oa_pushes_unhandled_total',
      help: 'Official-account pushes no handler exists for, by type and event',
      labelNames: ['type', 'event'],
      registers,
    }),
    followerSyncRuns: new Counter({
      name: 'oa_follower_sync_runs_total',
      help: 'Follower import/reconciliation runs by outcome',
      labelNames: ['appid', 'outcome'],
      registers,
    }),
    followerSyncLastCompleted: new Gauge({
      name: 'oa_follower_sync_last_completed_timestamp_seconds',
      help: 'Unix time the last follower import/reconciliation completed',
      labelNames: ['appid'],
      registers,
    }),
    followerSyncProcessed: new Gauge({
      name: 'oa_follower_sync_processed',
      help: 'Followers checked by the current or last follower import/reconciliation',
      labelNames: ['appid'],
      registers,
    }),
    followerSyncCorrections: new Counter({
      name: 'oa_follower_sync_corrections_total',
      help: 'Follower records a reconciliation changed (unfollowed = a lost unfollow, written = added or updated)',
      labelNames: ['appid', 'kind'],
      registers,
    }),
    linkageDeliveries: new Counter({
      name: 'linkage_event_deliveries_total',
      help: 'Linkage event deliveries by target (handlers, webhook) and outcome',
      labelNames: ['target', 'outcome'],
      registers,
    }),
    pruned: new Counter({
      name: 'oa_pruned_total',
      help: 'Expired tombstones, processed inbox entries (inbox_unfollowed: deleted with an unfollow) and delivered linkage events deleted',
      labelNames: ['what'],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
