import type { AppDeps } from './deps';
import {
  startInboxProcessor,
  type InboxProcessorOptions,
} from './official-account/inbox/processor';

/** A background loop owned by one server instance; stop() must release any claimed work. */
export interface BackgroundWorker {
  stop(): Promise<void>;
}

export interface BackgroundWorkerOptions {
  /** Tuning of the official-account inbox processor (tests use short intervals). */
  inbox?: Partial<InboxProcessorOptions>;
}

/**
 * Starts the background work of one server instance (the official-account
 * inbox processor). Called by the runtime after the database is ready; the
 * returned workers are stopped on shutdown before the database closes.
 */
export function startBackgroundWorkers(
  deps: AppDeps,
  options: BackgroundWorkerOptions = {},
): BackgroundWorker[] {
  return [startInboxProcessor(deps, options.inbox)];
}
