/**
 * `npm run bench`: runs the selected benchmarks one after another, prints
 * their tables, and with --write appends the run to bench/RESULTS.md.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runBackfillBench } from './backfill/bench';
import { runCryptoBench } from './crypto/bench';
import { runIntakeBench } from './intake/bench';
import {
  BENCHMARKS,
  CliError,
  parseCli,
  USAGE,
  type BenchmarkName,
  type CliOptions,
} from './lib/cli';
import { machineInfo, renderMachine } from './lib/machine';
import { renderTable, type BenchTable } from './lib/report';
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
  crypto: (o) => runCryptoBench({ quick: o.quick }, log),
  intake: (o) => runIntakeBench({ quick: o.quick }, log),
  login: (o) => runLoginBench({ quick: o.quick }, log),
  backfill: (o) => runBackfillBench({ quick: o.quick, noDb: o.noDb }, log),
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

  const machine = renderMachine(machineInfo());
  const database = process.env.MONGODB_URI?.trim()
    ? 'MongoDB from MONGODB_URI'
    : 'embedded jongodb (@wxlink/testkit)';
  const flags = argv.length > 0 ? argv.join(' ') : '(none)';
  const heading = `## Run ${new Date().toISOString()}\n\n${machine}\n\nDatabase: ${database} · flags: \`${flags}\`\n`;
  process.stdout.write(`${heading}\n`);

  const sections: string[] = [heading];
  for (const name of BENCHMARKS) {
    if (!options.only.includes(name)) continue;
    log(`benchmark ${name} starting`);
    const tables = await RUNNERS[name](options);
    for (const table of tables) {
      const text = renderTable(table);
      process.stdout.write(`${text}\n`);
      sections.push(text);
    }
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
