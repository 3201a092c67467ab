import type { AppDeps } from './deps';
import { startDeletionSweep } from './mini-program/account/deletion-sweep';
import { sweepExpiredBindings } from './official-account/push/replay-guard';
import { startPeriodic } from './platform/periodic';
import { startMaintenance } from './official-account/followers/maintenance';
import {
  startFollowerSchedule,
  type FollowerScheduleOptions,
} from './official-account/followers/schedule';
import {
  startInboxProcessor,
  type InboxProcessorOptions,
} from './official-account/inbox/processor';
import {
  startLinkageDelivery,
  type LinkageDeliveryOptions,
} from './official-account/linkage-events/delivery';

/** Plaintext push bindings live minutes (the timestamp window): swept every minute. */
const BINDING_SWEEP_INTERVAL_MS = 60_000;

/** A background loop owned by one server instance; stop() must release any claimed work. */
export interface BackgroundWorker {
  stop(): Promise<void>;
}

export interface BackgroundWorkerOptions {
  /** Tuning of the official-account inbox processor (tests use short intervals). */
  inbox?: Partial<InboxProcessorOptions>;
  /** The follower import/reconciliation schedule; `false` disables it (tests that drive it by hand). */
  followers?: Partial<FollowerScheduleOptions> | false;
  /** Linkage-event delivery (tests add handlers and shorten the backoff). */
  linkage?: Partial<LinkageDeliveryOptions>;
  /** Interval of the retention clean-up (tombstones, processed inbox entries). */
  maintenanceIntervalMs?: number;
  /** Interval of the sweep that finishes account deletions (注销). */
  deletionSweepIntervalMs?: number;
}

/**
 * Starts the background work of one server instance: the inbox processor,
 * the follower import/reconciliation schedule, linkage-event delivery, the
 * retention clean-up, the sweep that finishes account deletions and the one
 * that deletes expired push bindings. Called by the runtime after the database is ready; the
 * returned workers are stopped on shutdown before the database closes.
 */
export function startBackgroundWorkers(
  deps: AppDeps,
  options: BackgroundWorkerOptions = {},
): BackgroundWorker[] {
  const workers: BackgroundWorker[] = [
    startInboxProcessor(deps, options.inbox),
    startLinkageDelivery(deps, options.linkage),
    startMaintenance(deps, options.maintenanceIntervalMs),
    startDeletionSweep(deps, options.deletionSweepIntervalMs),
    startPeriodic(
      'sweeping expired push bindings',
      BINDING_SWEEP_INTERVAL_MS,
      async () => {
        await sweepExpiredBindings(deps);
      },
      deps.logger,
    ),
  ];
  if (options.followers !== false) workers.push(startFollowerSchedule(deps, options.followers));
  return workers;
}
