/**
 * Rounds of the HTTP and crypto benchmarks. One measurement of an HTTP row
 * moves by ±20 % on a shared 2-core machine (a one-second crypto loop by
 * ±15 %), and a change of load between our row and a peer's shows up as a
 * ratio. So each round measures every row once, in
 * the same order, and the table gives each row's median over the rounds,
 * its CPU ratio as the median of the same-round ratios, and those ratios in
 * its note: a ratio that holds in every round is a finding, one that swings
 * is noise.
 */
import type { RunSize } from './cli';
import type { Measurement, ResultRow, RowRole } from './report';

/** Rounds per HTTP or crypto table: one in a smoke run (answers only), three otherwise. */
export function roundsOf(size: RunSize): number {
  return size === 'smoke' ? 1 : 3;
}

/** How a table's description says it: "one round" or "3 rounds, every row once per round (each row's median)". */
export function roundsText(rounds: number): string {
  return rounds === 1
    ? 'one round'
    : `${rounds} rounds, every row once per round (each row's median)`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] ?? Number.NaN;
  return ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

function medianOfOptional(values: readonly (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length === 0 ? undefined : median(present);
}

/**
 * One row's figure over its rounds: the median of each rate, latency, CPU
 * and command figure (taken field by field), the largest peak RSS, and the
 * operations and errors of all rounds together.
 */
export function medianMeasurement(rounds: readonly Measurement[]): Measurement {
  if (rounds.length === 0) throw new Error('medianMeasurement: no rounds');
  const sum = (pick: (m: Measurement) => number): number =>
    rounds.reduce((total, m) => total + pick(m), 0);
  const p50Us = medianOfOptional(rounds.map((m) => m.p50Us));
  const p99Us = medianOfOptional(rounds.map((m) => m.p99Us));
  const dbCommandsPerOp = medianOfOptional(rounds.map((m) => m.dbCommandsPerOp));
  return {
    ops: sum((m) => m.ops),
    opsPerSec: median(rounds.map((m) => m.opsPerSec)),
    ...(p50Us !== undefined ? { p50Us } : {}),
    ...(p99Us !== undefined ? { p99Us } : {}),
    cpuPerOpUs: median(rounds.map((m) => m.cpuPerOpUs)),
    peakRssBytes: Math.max(...rounds.map((m) => m.peakRssBytes)),
    errors: sum((m) => m.errors ?? 0),
    ...(dbCommandsPerOp !== undefined ? { dbCommandsPerOp } : {}),
  };
}

/** Ours ÷ this CPU/op, round by round (rounds both were measured in). */
export function roundCpuRatios(
  ours: readonly Measurement[],
  row: readonly Measurement[],
): number[] {
  const n = Math.min(ours.length, row.length);
  return Array.from(
    { length: n },
    (_v, i) => (ours[i]?.cpuPerOpUs ?? Number.NaN) / (row[i]?.cpuPerOpUs ?? Number.NaN),
  );
}

/** "ours ÷ this CPU/op by round: 1.08×, 1.21×, 1.26×", or undefined with fewer than 2 rounds. */
export function roundRatiosNote(ratios: readonly number[]): string | undefined {
  if (ratios.length < 2) return undefined;
  return `ours ÷ this CPU/op by round: ${ratios.map((r) => `${r.toFixed(2)}×`).join(', ')}`;
}

/** A row of an HTTP table, as measured round after round. */
export interface RoundTarget {
  name: string;
  role: RowRole;
  note?: string;
}

/**
 * Measures every target once per round, in order, and returns one row per
 * target: the median of its rounds, its note extended with the per-round
 * ratios against ours. A target that fails is not measured again; its row
 * says why.
 */
export async function measureInRounds<T extends RoundTarget>(
  targets: readonly T[],
  rounds: number,
  measure: (target: T, round: number) => Promise<Measurement>,
): Promise<ResultRow[]> {
  const measured = targets.map(() => [] as Measurement[]);
  const failures = new Map<number, string>();
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) {
      if (failures.has(i)) continue;
      try {
        measured[i]?.push(await measure(target, round));
      } catch (error) {
        failures.set(i, error instanceof Error ? error.message : String(error));
      }
    }
  }
  const oursIndex = targets.findIndex((t) => t.role === 'ours');
  const ours = oursIndex >= 0 && !failures.has(oursIndex) ? (measured[oursIndex] ?? []) : [];
  return targets.map((target, i): ResultRow => {
    const failure = failures.get(i);
    if (failure !== undefined) {
      return { name: target.name, role: target.role, status: 'failed', note: failure };
    }
    const own = measured[i] ?? [];
    const ratios = target.role === 'ours' ? [] : roundCpuRatios(ours, own);
    const ratioNote = roundRatiosNote(ratios);
    const note = [target.note, ratioNote].filter((n): n is string => n !== undefined).join('; ');
    return {
      name: target.name,
      role: target.role,
      status: 'ok',
      measurement: medianMeasurement(own),
      ...(ratios.length >= 2 ? { cpuRatioToOurs: median(ratios) } : {}),
      ...(note !== '' ? { note } : {}),
    };
  });
}
