import type { Random } from '../deps';

/**
 * Retry delays with "full jitter": attempt n waits a uniformly random time
 * between 0 and min(max, base·2^(n−1)). Without jitter, items that failed
 * together (a receiver down for an hour) retry together, in lock-step, each
 * round a burst; full jitter spreads every round over its whole window.
 * The randomness comes from the injected `Random` (deps.random), never
 * Math.random, so tests can pin it.
 */
export interface BackoffOptions {
  /** The window of the first retry. */
  baseMs: number;
  /** The largest window, reached after a few doublings. */
  maxMs: number;
}

/** Bytes drawn per fraction: 48 bits, exact in a double. */
const FRACTION_BYTES = 6;

/** A uniformly distributed number in [0, 1) from `random`. */
export function randomFraction(random: Random): number {
  return random.bytes(FRACTION_BYTES).readUIntBE(0, FRACTION_BYTES) / 2 ** (8 * FRACTION_BYTES);
}

/** The window of retry `attempts` (1 = the first retry): base·2^(attempts−1), at most maxMs. */
export function backoffWindowMs(attempts: number, options: BackoffOptions): number {
  const doublings = Math.min(Math.max(0, attempts - 1), 52); // 2^53 ms is past any max
  return Math.min(options.baseMs * 2 ** doublings, options.maxMs);
}

/** The delay before retry `attempts`: a whole number of ms in [0, window]. */
export function fullJitterDelayMs(
  attempts: number,
  options: BackoffOptions,
  random: Random,
): number {
  return Math.floor(randomFraction(random) * (backoffWindowMs(attempts, options) + 1));
}
