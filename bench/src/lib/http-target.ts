/**
 * One HTTP target measured end to end: start it in its own process, warm it
 * up, then measure CPU and peak RSS of that process around the load run.
 */
import path from 'node:path';
import type { StartTarget } from '../targets/child';
import { runLoad, type LoadRequest } from './load';
import type { Measurement } from './report';
import { forkChild } from './rpc';

export interface TargetRun {
  measurement: Measurement;
  /** Documents the target holds afterwards (pushes or users), for the consistency notes. */
  stored: number;
  statuses: Record<string, number>;
  /**
   * What the target emptied after its warm-up (`emptyAfterWarmup`): documents
   * removed per collection; null when it grows nothing per operation (the
   * login and intake floors, the peers).
   */
  emptied: Record<string, number> | null;
}

export interface TargetLoad {
  warmup: readonly LoadRequest[];
  warmupAmount: number;
  measured: readonly LoadRequest[];
  amount: number;
  connections: number;
  /** Skip the idle window (smoke runs: CPU figures are not read, only the answers). */
  noIdleWindow?: boolean;
  /**
   * After the warm-up, have the target empty the collections its warm-up
   * grew (targets/child.ts `empty-warm-up-growth`; the login benchmark asks
   * it: ours and the kept-work floor empty what their logins store, the
   * login floor stores nothing per login): the embedded database's writes slow down as a collection grows,
   * so a long warm-up would otherwise charge the measured load for the
   * warm-up's documents.
   */
  emptyAfterWarmup?: boolean;
}

/** Idle window measured before the load, to subtract the process's background CPU (timers, driver heartbeats). */
const IDLE_MS = 1000;

const TARGET_CHILD = path.join(__dirname, '..', 'targets', 'child.js');

/**
 * BENCH_CPU_PROF=<dir>: every target process runs under `node --cpu-prof`
 * and writes `<kind>-<time>.cpuprofile` there when it exits (summarise one
 * with `node dist/tools/profile-summary.js <file>`).
 */
function profilerArgs(kind: string): string[] {
  const dir = process.env.BENCH_CPU_PROF?.trim();
  if (!dir) return [];
  return [
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--cpu-prof-name',
    `${kind}-${Date.now()}.cpuprofile`,
  ];
}

export async function measureTarget(start: StartTarget, load: TargetLoad): Promise<TargetRun> {
  const child = forkChild(TARGET_CHILD, { execArgv: profilerArgs(start.kind) });
  try {
    const { url } = await child.call<{ url: string }>('start', start);
    let emptied: Record<string, number> | null = null;
    if (load.warmupAmount > 0) {
      const warm = await runLoad(url, load.warmup, {
        amount: load.warmupAmount,
        connections: load.connections,
      });
      // A target that fails its warm-up would be measured warmed on errors.
      if (warm.errors > 0) {
        throw new Error(`warm-up: ${warm.errors} failed answers ${JSON.stringify(warm.statuses)}`);
      }
      if (load.emptyAfterWarmup) {
        emptied = await child.call<Record<string, number> | null>('empty-warm-up-growth');
      }
    }
    let idleCpuPerMs = 0;
    if (!load.noIdleWindow) {
      await child.measureStart();
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      const idle = await child.measureStop();
      idleCpuPerMs = idle.cpuUs / idle.wallMs;
    }
    const commandsBefore = await child.call<number | null>('db-commands');
    await child.measureStart();
    const run = await runLoad(url, load.measured, {
      amount: load.amount,
      connections: load.connections,
    });
    const reading = await child.measureStop();
    const commandsAfter = await child.call<number | null>('db-commands');
    const stored = await child.call<number>('count');
    await child.assertClean();
    const done = run.ok + run.errors;
    // When the database is the bottleneck (embedded server), background CPU would
    // otherwise be spread over few requests and dominate the per-request figure.
    const netCpuUs = Math.max(reading.cpuUs - idleCpuPerMs * reading.wallMs, 0);
    return {
      measurement: {
        ops: run.ok,
        opsPerSec: run.ok / (run.wallMs / 1000),
        p50Us: run.p50Us,
        p99Us: run.p99Us,
        cpuPerOpUs: netCpuUs / Math.max(done, 1),
        peakRssBytes: reading.peakRssBytes,
        errors: run.errors,
        ...(commandsBefore !== null && commandsAfter !== null
          ? { dbCommandsPerOp: (commandsAfter - commandsBefore) / Math.max(done, 1) }
          : {}),
      },
      stored,
      statuses: run.statuses,
      emptied,
    };
  } finally {
    await child.stop();
  }
}
