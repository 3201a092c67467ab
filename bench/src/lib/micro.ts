/**
 * Tight-loop timing of one operation: warm-up, then as many iterations as fit
 * in a time budget (capped), each timed with process.hrtime.bigint(). The
 * timer call itself costs ~50 ns per iteration and is included in every
 * figure, for every implementation alike.
 */
import { Meter } from './meter';
import { percentile, sortedPrefix } from './stats';
import type { Measurement } from './report';

/** One operation; may return a promise (peers with async APIs), which is awaited. */
export type Operation = () => unknown;

export interface MicroOptions {
  warmupMs: number;
  budgetMs: number;
  maxIterations: number;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

async function loop(
  op: Operation,
  durationMs: number,
  samples: Float64Array | null,
  max: number,
  meter?: Meter,
): Promise<number> {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(durationMs * 1e6));
  let n = 0;
  while (n < max) {
    const t0 = process.hrtime.bigint();
    const result = op();
    if (isThenable(result)) await result;
    const t1 = process.hrtime.bigint();
    if (samples) samples[n] = Number(t1 - t0);
    n += 1;
    // Check the clock and RSS only now and then: both cost more than a fast operation.
    if ((n & 255) === 0) {
      meter?.sample();
      if (t1 > deadline) break;
    }
  }
  return n;
}

export async function runMicro(op: Operation, options: MicroOptions): Promise<Measurement> {
  await loop(op, options.warmupMs, null, options.maxIterations);
  const samples = new Float64Array(options.maxIterations);
  const meter = new Meter();
  meter.start();
  const t0 = process.hrtime.bigint();
  const n = await loop(op, options.budgetMs, samples, options.maxIterations, meter);
  const wallNs = Number(process.hrtime.bigint() - t0);
  const reading = meter.stop();
  const sorted = sortedPrefix(samples, n);
  return {
    ops: n,
    opsPerSec: n / (wallNs / 1e9),
    p50Us: percentile(sorted, 50) / 1000,
    p99Us: percentile(sorted, 99) / 1000,
    cpuPerOpUs: reading.cpuUs / n,
    peakRssBytes: reading.peakRssBytes,
    errors: 0,
  };
}
