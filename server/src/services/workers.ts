import type { AppDeps } from '../deps';

/** A background loop owned by one server instance; stop() must release any claimed work. */
export interface BackgroundWorker {
  stop(): Promise<void>;
}

/**
 * Starts the background work of one server instance (the official-account
 * inbox processor). Called by the runtime after the database is ready; the
 * returned workers are stopped on shutdown before the database closes.
 */
export function startBackgroundWorkers(_deps: AppDeps): BackgroundWorker[] {
  return [];
}
