/**
 * Follower backfill at 1k, 10k and 100k sandbox followers: followers/s, CPU
 * per follower and peak RSS of the process running syncFollowers. Memory
 * must stay flat: the service holds one page of openids at a time.
 */
import path from 'node:path';
import type { RunSize } from '../lib/cli';
import { databaseLabel, freshDbName, withMongo } from '../lib/mongo';
import type { BenchTable, ResultRow } from '../lib/report';
import { forkChild } from '../lib/rpc';
import { withSandbox } from '../lib/sandbox';
import type { BackfillResult, BackfillRun } from './child';

export interface BackfillOptions {
  size: RunSize;
  /** Only the database-less rows. */
  noDb: boolean;
}

/** Follower counts per run size; a smoke run imports one small account (two batches). */
const SIZES: Record<RunSize, readonly number[]> = {
  full: [1_000, 10_000, 100_000],
  quick: [1_000, 10_000, 100_000],
  smoke: [150],
};
/** Issue 13's bound on the heap retained after GC, from the smallest to the largest --no-db run. */
const MAX_RETAINED_GROWTH_BYTES = 10 * 1024 * 1024;
/** Largest follower count written to the embedded database (its insert cost grows with the collection). */
const EMBEDDED_DB_MAX = 1_000;
const BACKFILL_CHILD = path.join(__dirname, 'child.js');

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

async function runOne(
  size: number,
  withDb: boolean,
  uri: string,
): Promise<{ row: ResultRow; result?: BackfillResult }> {
  const name = `${size.toLocaleString('en-US')} followers, ${withDb ? 'with database' : '--no-db'}`;
  return withSandbox(async (sandbox) => {
    await sandbox.child.call<number>('createFollowers', { n: size });
    // --expose-gc: the child measures the heap it retains after the run.
    const child = forkChild(BACKFILL_CHILD, { execArgv: ['--expose-gc'] });
    try {
      const payload: BackfillRun = {
        uri,
        dbName: freshDbName(`backfill_${size}`),
        sandboxUrl: sandbox.info.url,
        noDb: !withDb,
      };
      const result = await child.call<BackfillResult>('run', payload);
      // Every follower must be imported and handed to the store exactly once.
      const errors =
        result.processed === size && result.stored === size
          ? 0
          : Math.max(Math.abs(size - result.stored), 1);
      await child.assertClean();
      return {
        row: {
          name,
          role: 'ours',
          status: 'ok',
          measurement: {
            ops: result.processed,
            opsPerSec: result.processed / (result.wallMs / 1000),
            cpuPerOpUs: result.cpuUs / Math.max(result.processed, 1),
            peakRssBytes: result.peakRssBytes,
            errors,
          },
          note:
            `RSS before ${mb(result.rssBeforeBytes)}, peak growth ${mb(result.peakRssBytes - result.rssBeforeBytes)}; ` +
            `heap retained after GC ${mb(result.heapAfterBytes - result.heapBeforeBytes)}; stored ${result.stored}/${size}`,
        },
        result,
      };
    } catch (error) {
      return {
        row: {
          name,
          role: 'ours',
          status: 'failed',
          note: error instanceof Error ? error.message : String(error),
        },
      };
    } finally {
      await child.stop();
    }
  });
}

export function runBackfillBench(
  options: BackfillOptions,
  log: (line: string) => void,
): Promise<BenchTable[]> {
  return withMongo(async (mongo) => {
    const sizes = SIZES[options.size];
    const rows: ResultRow[] = [];
    const notes: string[] = [];
    const problems: string[] = [];
    const peaks: number[] = [];
    const retained: number[] = [];
    for (const size of sizes) {
      log(`backfill: ${size} --no-db`);
      const { row, result } = await runOne(size, false, mongo.uri);
      rows.push(row);
      if (result) {
        peaks.push(result.peakRssBytes);
        retained.push(result.heapAfterBytes - result.heapBeforeBytes);
      }
    }
    if (!options.noDb) {
      for (const size of sizes) {
        if (!mongo.external && size > EMBEDDED_DB_MAX) {
          rows.push({
            name: `${size.toLocaleString('en-US')} followers, with database`,
            role: 'ours',
            status: 'skipped',
            note: `the embedded database is too slow beyond ${EMBEDDED_DB_MAX} documents; set MONGODB_URI`,
          });
          continue;
        }
        log(`backfill: ${size} with database`);
        rows.push((await runOne(size, true, mongo.uri)).row);
      }
    }
    const growth = (retained[retained.length - 1] ?? 0) - (retained[0] ?? 0);
    if (
      options.size !== 'smoke' &&
      retained.length === sizes.length &&
      growth > MAX_RETAINED_GROWTH_BYTES
    ) {
      problems.push(
        `heap retained after GC grows by ${mb(growth)} from the smallest to the largest run (bound: 10 MB)`,
      );
    }
    if (peaks.length === sizes.length && sizes.length > 1) {
      const first = peaks[0] ?? 0;
      const last = peaks[peaks.length - 1] ?? 0;
      notes.push(
        `memory: peak RSS ${mb(first)} at 1k vs ${mb(last)} at 100k followers (×${(last / first).toFixed(2)} for 100× the followers); ` +
          'peak RSS follows V8’s lazy GC, the retained heap after a forced GC is the leak check',
      );
    }
    notes.push(
      'p50/p99 are not per-follower figures (work is in batches of 100 and pages of 10,000), hence —.',
      'ratio columns do not apply: there is no peer backfill to compare with.',
    );
    return [
      {
        title: 'Follower backfill (cgi-bin/user/get + user/info/batchget → follower store)',
        description:
          `One op = one follower imported by server/src/official-account/followers/import.ts (syncFollowers) from a sandbox ` +
          `holding that many followers, run in its own child process (the sandbox in another). --no-db rows replace ` +
          `the Follower model with an in-memory stand-in that keeps nothing and the import cursor with a one-document ` +
          `in-memory model honouring the lease filters (the access token still ` +
          `lives in the database). Database rows: ${databaseLabel(mongo)}.`,
        rows,
        notes,
        problems,
      },
    ];
  });
}
