import type { AppDeps } from './deps';
import { startDeletionSweep } from './mini-program/account/deletion-sweep';
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
 * retention clean-up (which also prunes the push bindings, kept in the inbox)
 * and the sweep that finishes account deletions. Called by the runtime after the database is ready; the
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
  ];
  if (options.followers !== false) workers.push(startFollowerSchedule(deps, options.followers));
  return workers;
}
