import { randomUUID } from 'node:crypto';
import { describeError } from '../../platform/errors';
import { cursorName, type FollowerSyncOptions, type SyncDeps } from './import';
import { syncFollowers } from './import-run';
import type { SyncCursor } from './import-cursor.model';

/**
 * Runs the follower import of every configured account in the background:
 * at once when the account's list was never imported completely (or a run
 * was interrupted: it resumes), then every FOLLOWER_RECONCILE_INTERVAL_SECONDS
 * after the last completed run (0: no reconciliation). Any number of
 * instances may run this: the run's lease lets one of them work at a time,
 * and a run completed by another instance is not due again here.
 */
export interface FollowerScheduleOptions {
  /** How often each instance checks whether a run is due (default 60 s). */
  checkIntervalMs: number;
  /** Passed to each run (tests: short backoff). */
  run?: Omit<FollowerSyncOptions, 'appid' | 'signal' | 'owner'>;
}

/** Production defaults. */
const DEFAULT_FOLLOWER_SCHEDULE: FollowerScheduleOptions = { checkIntervalMs: 60_000 };

/** Whether an account's run is due (pure). */
function isRunDue(
  cursor: { status: string; completedAt: Date | null; firstCompletedAt?: Date | null } | null,
  now: Date,
  intervalSeconds: number,
): boolean {
  if (cursor === null || (cursor.firstCompletedAt ?? null) === null) return true;
  if (cursor.status === 'running' || cursor.completedAt === null) return true;
  if (intervalSeconds === 0) return false;
  return cursor.completedAt.getTime() + intervalSeconds * 1000 <= now.getTime();
}

async function runIfDue(
  deps: SyncDeps,
  appid: string,
  owner: string,
  options: FollowerScheduleOptions,
  signal: AbortSignal,
): Promise<void> {
  const cursor = await deps.models.SyncCursor.findOne({ name: cursorName(appid) }).lean();
  const interval = deps.config.linkage.followerReconcileIntervalSeconds;
  if (!isRunDue(cursor, deps.clock.now(), interval)) return;
  // Asked again under the lock: another instance may have completed a run meanwhile.
  const stillDue = (held: SyncCursor) => isRunDue(held, deps.clock.now(), interval);
  await syncFollowers(deps, { ...options.run, appid, owner, signal, stillDue });
}

/** Starts the schedule; stop() interrupts a run after its current batch (the cursor is kept). */
export function startFollowerSchedule(
  deps: SyncDeps,
  overrides: Partial<FollowerScheduleOptions> = {},
): { stop(): Promise<void> } {
  const options = { ...DEFAULT_FOLLOWER_SCHEDULE, ...overrides };
  const controller = new AbortController();
  const owner = `schedule:${randomUUID()}`;
  const log = deps.logger.child({ component: 'followers-schedule' });
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  async function loop(): Promise<void> {
    while (!controller.signal.aborted) {
      for (const account of deps.config.officialAccounts) {
        if (controller.signal.aborted) break;
        await runIfDue(deps, account.appid, owner, options, controller.signal).catch(
          (err: unknown) =>
            log.warn(
              { appid: account.appid, err: describeError(err) },
              'follower sync failed; will retry',
            ),
        );
      }
      await new Promise<void>((resolve) => {
        if (controller.signal.aborted) return resolve();
        wake = resolve;
        timer = setTimeout(resolve, options.checkIntervalMs);
      });
    }
  }
  const done = loop();
  return {
    async stop() {
      controller.abort();
      clearTimeout(timer);
      wake?.();
      await done;
    },
  };
}
