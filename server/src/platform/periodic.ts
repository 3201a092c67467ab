import type { Logger } from 'pino';
import { describeError } from './errors';

/** A periodic background task of one server instance. */
export interface PeriodicTask {
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `round` now and then every `intervalMs`, one round at a time (a round
 * still running when the timer fires is not doubled), logging a failed round
 * as a warning and trying again at the next tick. The timer does not keep
 * the process alive.
 */
export function startPeriodic(
  what: string,
  intervalMs: number,
  round: () => Promise<void>,
  logger: Logger,
): PeriodicTask {
  let running: Promise<void> | null = null;
  const tick = (): void => {
    if (running) return;
    running = round()
      .catch((err: unknown) => logger.warn({ err: describeError(err) }, `${what} failed`))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
