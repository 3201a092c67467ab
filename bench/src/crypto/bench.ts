/**
 * Crypto micro-benchmarks: user-data decrypt+verify and push
 * verify(+decrypt)+parse, ours vs the bare node:crypto floor vs the peers.
 * Each case runs in a fresh child process (CPU and RSS are that process's).
 */
import path from 'node:path';
import type { RunSize } from '../lib/cli';
import type { MicroOptions } from '../lib/micro';
import type { BenchTable, Measurement, ResultRow } from '../lib/report';
import { forkChild } from '../lib/rpc';
import { CASES, type CaseSpec } from './cases';

export interface CryptoOptions {
  size: RunSize;
}

/** Timing budget per row; a smoke run only runs (and checks) a few operations. */
const MICRO: Record<RunSize, MicroOptions> = {
  full: { warmupMs: 1000, budgetMs: 3000, maxIterations: 2_000_000 },
  quick: { warmupMs: 300, budgetMs: 1000, maxIterations: 2_000_000 },
  smoke: { warmupMs: 0, budgetMs: 0, maxIterations: 16 },
};

const TITLES: Record<CaseSpec['group'], [string, string]> = {
  userdata: [
    'Crypto: mini-program user data (decrypt + verify)',
    'One op = rawData signature check + AES-128-CBC decrypt + JSON + watermark/openId checks of a getUserInfo payload.',
  ],
  safe: [
    'Crypto: safe-mode push (verify + decrypt + parse)',
    'One op = POST body + query of an encrypted subscribe push in, typed event out: envelope XML, msg_signature, AES-256-CBC, inner XML.',
  ],
  plain: [
    'Crypto: plaintext push (verify + parse)',
    'One op = signature check + XML parse of a plaintext subscribe push.',
  ],
  hostile: [
    'Crypto: hostile safe-mode envelopes (verify before parse)',
    'One op = what an unauthenticated 64 KiB body costs before it is refused, against one genuine safe-mode push (first row): the hostile rows must cost at most about twice the genuine one (ratio column ≥ 0.5).',
  ],
};

async function runCase(spec: CaseSpec, options: CryptoOptions): Promise<ResultRow> {
  const row: ResultRow = { name: spec.name, role: spec.role, status: 'ok', note: spec.note };
  if (spec.unavailable) return { ...row, status: 'n/a', note: spec.unavailable };
  const child = forkChild(path.join(__dirname, 'child.js'));
  try {
    row.measurement = await child.call<Measurement>('run', { id: spec.id, ...MICRO[options.size] });
    await child.assertClean();
    return row;
  } catch (error) {
    return {
      ...row,
      status: 'failed',
      note: error instanceof Error ? error.message : String(error),
    };
  } finally {
    await child.stop();
  }
}

export async function runCryptoBench(
  options: CryptoOptions,
  log: (line: string) => void,
): Promise<BenchTable[]> {
  const tables: BenchTable[] = [];
  for (const group of ['userdata', 'safe', 'plain', 'hostile'] as const) {
    const [title, description] = TITLES[group];
    const rows: ResultRow[] = [];
    for (const spec of CASES.filter((c) => c.group === group)) {
      log(`crypto: ${spec.id}`);
      rows.push(await runCase(spec, options));
    }
    tables.push({
      title,
      description: `${description} In-process tight loop (process.hrtime.bigint per op, warm-up first), one fresh child process per row; CPU/op and peak RSS are that process's.`,
      rows,
      notes: [],
    });
  }
  return tables;
}
