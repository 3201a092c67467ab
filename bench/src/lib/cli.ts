/**
 * Command-line flags of `npm run bench`. Unknown flags are an error, so a
 * typo never silently runs the full (slow) suite.
 */
export const BENCHMARKS = ['crypto', 'intake', 'login', 'backfill'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export interface CliOptions {
  only: readonly BenchmarkName[];
  quick: boolean;
  write: boolean;
  /** Backfill only: run the follower sync without a database. */
  noDb: boolean;
  /**
   * A handful of operations per row, every answer checked, no timing
   * asserted: what `npm test` runs so a broken benchmark fails CI.
   */
  smoke: boolean;
  help: boolean;
}

/** A benchmark's size knobs: full, --quick, or --smoke (a handful of operations). */
export type RunSize = 'full' | 'quick' | 'smoke';

/** The size a run's flags ask for (--smoke wins over --quick). */
export function runSize(options: Pick<CliOptions, 'quick' | 'smoke'>): RunSize {
  if (options.smoke) return 'smoke';
  return options.quick ? 'quick' : 'full';
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

export const USAGE = `usage: npm run bench -- [--only crypto,intake,login,backfill] [--quick] [--smoke] [--no-db] [--write]

  --only LIST   run only these benchmarks (comma-separated)
  --quick       shorter runs and smaller sizes (about 4 minutes on 2 cores)
  --smoke       a few operations per row, answers checked, exit 1 on any failure (npm test)
  --no-db       backfill: only the rows without database writes (fetch, decode, reduce)
  --write       append this run (tables + machine) to bench/RESULTS.md
  MONGODB_URI   when set, every benchmark uses that MongoDB instead of the embedded one`;

function isBenchmarkName(value: string): value is BenchmarkName {
  return (BENCHMARKS as readonly string[]).includes(value);
}

function parseOnly(value: string | undefined): BenchmarkName[] {
  if (value === undefined || value.trim() === '') {
    throw new CliError('--only needs a comma-separated list');
  }
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !isBenchmarkName(name));
  if (unknown.length > 0) {
    throw new CliError(
      `--only: unknown benchmark ${unknown.join(', ')} (known: ${BENCHMARKS.join(', ')})`,
    );
  }
  // Keep the canonical order whatever order the user typed.
  return BENCHMARKS.filter((name) => names.includes(name));
}

export function parseCli(argv: readonly string[]): CliOptions {
  const options: CliOptions = {
    only: BENCHMARKS,
    quick: false,
    write: false,
    noDb: false,
    smoke: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--quick') options.quick = true;
    else if (arg === '--write') options.write = true;
    else if (arg === '--no-db') options.noDb = true;
    else if (arg === '--smoke') options.smoke = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--only') {
      i += 1;
      options.only = parseOnly(argv[i]);
    } else if (arg.startsWith('--only=')) options.only = parseOnly(arg.slice('--only='.length));
    else throw new CliError(`unknown argument ${arg}`);
  }
  if (options.smoke && options.write) {
    throw new CliError('--smoke runs are not measurements: they cannot be written to RESULTS.md');
  }
  return options;
}
