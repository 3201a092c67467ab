import type { Types } from 'mongoose';
import type { AppDeps } from '../../deps';
import { startPeriodic, type PeriodicTask } from '../../platform/periodic';
import { DELETION_SETTLE_MS, eraseDependents } from './delete-account';

type Deps = Pick<AppDeps, 'models' | 'db' | 'clock' | 'logger'>;

/** Tombstones finished per round; the next round takes the rest. */
const BATCH = 100;

/**
 * Finishes every 注销 whose tombstone is older than DELETION_SETTLE_MS (see
 * delete-account.ts): erases what requests in flight at the deletion wrote
 * afterwards, then deletes the tombstone. Also finishes deletions a crash
 * interrupted. Returns how many it finished.
 */
export async function finishDeletions(deps: Deps): Promise<number> {
  const settled = new Date(deps.clock.now().getTime() - DELETION_SETTLE_MS);
  // `$lte` a date never matches the live users' `deletedAt: null`.
  const tombstones = await deps.models.User.find({ deletedAt: { $lte: settled } })
    .select({ _id: 1 })
    .limit(BATCH)
    .lean<{ _id: Types.ObjectId }[]>()
    .exec();
  for (const { _id } of tombstones) {
    await eraseDependents(deps, _id);
    await deps.models.User.deleteOne({ _id, deletedAt: { $lte: settled } }).exec();
  }
  if (tombstones.length > 0) {
    deps.logger.info({ finished: tombstones.length }, 'account deletions finished (注销)');
  }
  return tombstones.length;
}

/** Runs finishDeletions every `intervalMs` (default: every minute) on this instance. */
export function startDeletionSweep(deps: Deps, intervalMs = 60_000): PeriodicTask {
  return startPeriodic(
    'finishing account deletions',
    intervalMs,
    async () => {
      await finishDeletions(deps);
    },
    deps.logger,
  );
}
