import type { AppDeps } from '../../deps';
import { startPeriodic, type PeriodicTask } from '../../platform/periodic';
import { pruneProcessedEntries } from '../inbox/retention';
import { settlePendingLinkage } from '../linkage-events/derive';
import { linkageMetrics } from '../linkage-events/metrics';
import { TOMBSTONE_TTL_SECONDS } from './reduce';

/**
 * Periodic clean-up the retention rules need (TTL indexes never run on the
 * embedded database, so deletion is done here, and queries also treat an
 * expired tombstone as absent):
 * - erase retention: tombstones older than 7 days are deleted, and records an
 *   earlier `keep` left unsubscribed are reduced to tombstones;
 * - processed inbox entries past INBOX_RETENTION_DAYS, delivered linkage
 *   events past the same retention;
 * - followers whose linkage event was not derived (a crash in between).
 */
type MaintenanceDeps = Pick<AppDeps, 'models' | 'clock' | 'config' | 'logger' | 'metrics'>;

/** Deletes expired tombstones (erase retention); returns how many. */
async function sweepTombstones(deps: MaintenanceDeps): Promise<number> {
  if (deps.config.linkage.followerRetention !== 'erase') return 0;
  const expired = new Date(deps.clock.now().getTime() - TOMBSTONE_TTL_SECONDS * 1000);
  const Followers = deps.models.Follower;
  // Records kept under `keep` before a switch to `erase`: erase them now.
  await Followers.updateMany(
    {
      subscribed: false,
      $or: [{ unionid: { $ne: null } }, { scene: { $ne: null } }, { subscribedAt: { $ne: null } }],
    },
    { $set: { unionid: null, scene: null, subscribedAt: null }, $inc: { version: 1 } },
  );
  const res = await Followers.deleteMany({
    subscribed: false,
    linkagePending: false,
    updatedAt: { $lte: expired },
  });
  return res.deletedCount;
}

async function pruneDeliveredEvents(deps: MaintenanceDeps): Promise<number> {
  const days = deps.config.linkage.inboxRetentionDays;
  const before = new Date(deps.clock.now().getTime() - days * 86_400_000);
  const res = await deps.models.LinkageOutbox.deleteMany({
    status: 'delivered',
    deliveredAt: { $lt: before },
  });
  return res.deletedCount;
}

/** One round of every clean-up. */
export async function runMaintenance(deps: MaintenanceDeps): Promise<void> {
  const metrics = linkageMetrics(deps.metrics.registry);
  metrics.pruned.inc({ what: 'tombstone' }, await sweepTombstones(deps));
  metrics.pruned.inc({ what: 'inbox' }, await pruneProcessedEntries(deps));
  metrics.pruned.inc({ what: 'linkage_event' }, await pruneDeliveredEvents(deps));
  await settlePendingLinkage(deps, new Date(deps.clock.now().getTime() - 60_000));
}

/** Runs the clean-up every `intervalMs` (default hourly) on this instance. */
export function startMaintenance(deps: MaintenanceDeps, intervalMs = 3_600_000): PeriodicTask {
  return startPeriodic('linkage maintenance', intervalMs, () => runMaintenance(deps), deps.logger);
}
