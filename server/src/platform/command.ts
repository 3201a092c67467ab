import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { composeDeps } from '../compose';
import { ConfigError, loadConfig } from '../config';
import type { AppDeps } from '../deps';
import { AppError } from './errors';
import { createLogger } from './logger';

/** A bad command line: printed with the usage text, exit code 2. */
export class UsageError extends AppError<'USAGE'> {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

export interface CommandSpec<A extends { help: boolean }> {
  /** As typed by people, e.g. `followers:sync`; prefixes messages and the token-lease owner. */
  readonly name: string;
  readonly usage: string;
  /** Printed after the failure line when the work fails (e.g. how to resume). */
  readonly failureHint?: string;
  /** Throws UsageError for a bad command line. */
  parseArgs(argv: readonly string[]): A;
  /** The work, with live dependencies; returns the exit code. The database is closed afterwards. */
  execute(deps: AppDeps, args: A): Promise<number>;
}

/**
 * The value after a flag (`--user <id>`): `argv[i]`, or UsageError when it is
 * missing or is the next flag.
 */
export function flagValue(argv: readonly string[], i: number, flag: string): string {
  const value = argv[i];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return value;
}

/** The arguments of a command whose only flag is `--help`. */
export function parseHelpOnly(argv: readonly string[]): { help: boolean } {
  const args = { help: false };
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') args.help = true;
    else throw new UsageError(`unknown argument: ${arg}`);
  }
  return args;
}

/** A command's entry: argv without node and the script, the environment, where to print. */
export type CommandEntry = (
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
) => Promise<number>;

/**
 * Runs a command's entry as the process (`if (require.main === module)
 * runAsProcess(run)`): exits with its code; an unexpected error is printed
 * (message only) and exits 1.
 */
export function runAsProcess(run: CommandEntry): void {
  run(process.argv.slice(2), process.env, process.stdout).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * The start-up every operational command shares: arguments, then the same
 * production configuration as `npm start` (exit 2 with one line per problem),
 * then the server's own wiring (composeDeps), and the database closed at the
 * end whatever happens. Logs go to stderr so stdout stays the command's output.
 */
export async function runCommand<A extends { help: boolean }>(
  spec: CommandSpec<A>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
): Promise<number> {
  let args: A;
  let config;
  try {
    args = spec.parseArgs(argv);
    if (args.help) {
      out.write(`${spec.usage}\n`);
      return 0;
    }
    config = loadConfig(env, 'production');
    if (!config.mongodbUri) throw new ConfigError([`MONGODB_URI is required for ${spec.name}`]);
  } catch (err) {
    if (err instanceof UsageError) out.write(`${err.message}\n${spec.usage}\n`);
    else if (err instanceof ConfigError) out.write(`${err.message}\n`);
    else throw err;
    return 2;
  }

  let deps: AppDeps | undefined;
  try {
    deps = await composeDeps({
      config: { ...config, mongodbUri: config.mongodbUri },
      logger: createLogger(config, pino.destination(2)),
      defaultMetrics: false,
      instanceId: `${spec.name}:${randomUUID()}`,
    });
    return await spec.execute(deps, args);
  } catch (err) {
    out.write(`${spec.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    if (spec.failureHint) out.write(`${spec.failureHint}\n`);
    return 1;
  } finally {
    await deps?.db.close().catch(() => undefined);
  }
}
