/**
 * `npm run bench`: runs the selected benchmarks one after another, prints
 * their tables, and with --write appends the run to bench/RESULTS.md.
 * `--smoke` (what `npm test` runs) fails with exit 1 on any failed row,
 * error, consistency problem or MongoDB guard violation.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assertNoGuardViolations, GUARD_ENV_VAR } from '@wxlink/testkit';
import { runBackfillBench } from './backfill/bench';
import { runCryptoBench } from './crypto/bench';
import { runIntakeBench } from './intake/bench';
import {
  BENCHMARKS,
  CliError,
  parseCli,
  runSize,
  USAGE,
  type BenchmarkName,
  type CliOptions,
} from './lib/cli';
import { machineInfo, renderMachine } from './lib/machine';
import { describeDatabase } from './lib/mongo';
import { renderTable, tableFailures, type BenchTable } from './lib/report';
import { runLoginBench } from './login/bench';

const RESULTS_FILE = path.resolve(__dirname, '..', 'RESULTS.md');
const RESULTS_HEADER = `# Benchmark results

Runs appended by \`npm run bench -- --write\` (newest last). What each table
measures and its caveats: [README.md](README.md).
`;

const log = (line: string): void => {
  process.stderr.write(`· ${line}\n`);
};

type Runner = (options: CliOptions) => Promise<BenchTable[]>;

const RUNNERS: Record<BenchmarkName, Runner> = {
  crypto: (o) => runCryptoBench({ size: runSize(o) }, log),
  intake: (o) => runIntakeBench({ size: runSize(o) }, log),
  login: (o) => runLoginBench({ size: runSize(o) }, log),
  backfill: (o) => runBackfillBench({ size: runSize(o), noDb: o.noDb }, log),
};

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  // A smoke run holds every write (in this process and the children, which
  // inherit the environment) to MongoDB's rules: a violating write rejects.
  if (options.smoke) process.env[GUARD_ENV_VAR] ??= 'throw';
  const machine = renderMachine(machineInfo());
  const database = describeDatabase(process.env);
  const flags = argv.length > 0 ? argv.join(' ') : '(none)';
  const heading = `## Run ${new Date().toISOString()}\n\n${machine}\n\nDatabase: ${database} · flags: \`${flags}\`\n`;
  process.stdout.write(`${heading}\n`);

  const sections: string[] = [heading];
  const failures: string[] = [];
  for (const name of BENCHMARKS) {
    if (!options.only.includes(name)) continue;
    log(`benchmark ${name} starting`);
    const tables = await RUNNERS[name](options);
    for (const table of tables) {
      const text = renderTable(table);
      process.stdout.write(`${text}\n`);
      sections.push(text);
      failures.push(...tableFailures(table));
    }
  }
  if (options.smoke) {
    assertNoGuardViolations();
    if (failures.length > 0) {
      process.stderr.write(`smoke run failed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
      return 1;
    }
    log(`smoke run passed: ${options.only.join(', ')}`);
  }

  if (options.write) {
    if (!existsSync(RESULTS_FILE)) writeFileSync(RESULTS_FILE, RESULTS_HEADER);
    appendFileSync(RESULTS_FILE, `\n${sections.join('\n')}`);
    log(`appended to ${RESULTS_FILE}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
