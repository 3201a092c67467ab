/**
 * Crypto micro-benchmarks: user-data decrypt+verify and push
 * verify(+decrypt)+parse, ours vs the bare node:crypto floor vs the peers.
 * Each case runs in a fresh child process (CPU and RSS are that process's).
 */
import path from 'node:path';
import type { RunSize } from '../lib/cli';
import type { MicroOptions } from '../lib/micro';
import type { BenchTable, Measurement, ResultRow } from '../lib/report';
import { measureInRounds, roundsOf, roundsText } from '../lib/rounds';
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

/** One measurement of a case, in a fresh child process; throws if the case fails. */
async function measureCase(spec: CaseSpec, options: CryptoOptions): Promise<Measurement> {
  const child = forkChild(path.join(__dirname, 'child.js'));
  try {
    const measurement = await child.call<Measurement>('run', {
      id: spec.id,
      ...MICRO[options.size],
    });
    await child.assertClean();
    return measurement;
  } finally {
    await child.stop();
  }
}

/**
 * One table's rows, in the cases' order: a case without an equivalent is
 * n/a; the others are measured round after round (lib/rounds.ts), because
 * a single one-second loop on a shared machine moves by ±15 %: the same
 * code read 1.29× and 1.64× webot's plaintext throughput in two runs.
 */
async function measureGroup(
  specs: readonly CaseSpec[],
  options: CryptoOptions,
  rounds: number,
  log: (line: string) => void,
): Promise<ResultRow[]> {
  const measurable = specs.filter((spec) => spec.unavailable === undefined);
  const measured = await measureInRounds(measurable, rounds, (spec, round) => {
    log(`crypto: ${spec.id}, round ${round + 1} of ${rounds}`);
    return measureCase(spec, options);
  });
  return specs.map((spec): ResultRow => {
    const row = measured[measurable.indexOf(spec)];
    if (spec.unavailable !== undefined || row === undefined) {
      return { name: spec.name, role: spec.role, status: 'n/a', note: spec.unavailable };
    }
    return row;
  });
}

export async function runCryptoBench(
  options: CryptoOptions,
  log: (line: string) => void,
): Promise<BenchTable[]> {
  const tables: BenchTable[] = [];
  const rounds = roundsOf(options.size);
  for (const group of ['userdata', 'safe', 'plain', 'hostile'] as const) {
    const [title, description] = TITLES[group];
    const specs = CASES.filter((c) => c.group === group);
    const rows = await measureGroup(specs, options, rounds, log);
    tables.push({
      title,
      description: `${description} In-process tight loop (process.hrtime.bigint per op, warm-up first), one fresh child process per row and round, ${roundsText(rounds)}; CPU/op and peak RSS are that process's.`,
      rows,
      notes: [],
    });
  }
  return tables;
}
