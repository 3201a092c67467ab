/**
 * npm run followers:sync -w @wxlink/server [-- --restart]
 *
 * Imports the official account's existing followers (cgi-bin/user/get +
 * user/info/batchget) into the follower records. Reads the same environment
 * as the server (MONGODB_URI is required: the backfill must write to the
 * database the server uses). Progress goes to stderr; Ctrl-C stops after the
 * current batch and a later run resumes from the saved cursor.
 *
 * Exit codes: 0 completed, 1 failed (cursor kept), 2 bad usage/configuration,
 * 3 another run holds the lock (nothing done), 130 interrupted (cursor kept).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppDeps } from '../../deps';
import { syncFollowers, type SyncProgress } from './import';
import { runCommand, UsageError } from '../../platform/command';

export const USAGE = `Usage: followers-sync [--restart]

Imports existing official-account followers, resuming an interrupted run.
  --restart   ignore the saved cursor and start from the first page
  --help      show this help

Environment: the server's (MONGODB_URI, OFFICIAL_ACCOUNT_APPID, OFFICIAL_ACCOUNT_SECRET,
WECHAT_API_BASE, LOG_LEVEL, ...).`;

export interface CliArgs {
  restart: boolean;
  help: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { restart: false, help: false };
  for (const arg of argv) {
    if (arg === '--restart') args.restart = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else throw new UsageError(`unknown argument: ${arg}`);
  }
  return args;
}

function formatProgress(p: SyncProgress): string {
  const pct = p.total > 0 ? ` (${Math.min(100, Math.floor((p.processed / p.total) * 100))}%)` : '';
  return `followers: ${p.processed}/${p.total}${pct}, ${p.ratePerSecond}/s`;
}

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  stderr: NodeJS.WritableStream,
  signal?: AbortSignal,
): Promise<number> {
  return runCommand(
    {
      name: 'followers:sync',
      usage: USAGE,
      parseArgs,
      failureHint: 'the cursor is saved; run again to resume',
      execute: (deps, args) => sync(deps, args, stderr, signal),
    },
    argv,
    env,
    stderr,
  );
}

async function sync(
  deps: AppDeps,
  args: CliArgs,
  stderr: NodeJS.WritableStream,
  signal: AbortSignal | undefined,
): Promise<number> {
  const result = await syncFollowers(deps, {
    restart: args.restart,
    // Readable in the lock message another run prints.
    owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    ...(signal ? { signal } : {}),
    onProgress: (p) => stderr.write(`${formatProgress(p)}\n`),
  });
  if (result.status === 'locked') {
    const lock = result.lock;
    stderr.write(
      `followers:sync is already running for this official account` +
        (lock ? ` (${lock.owner}, lock held until ${lock.until.toISOString()})` : '') +
        '; nothing done. A crashed run releases the lock when it expires.\n',
    );
    return 3;
  }
  if (result.status === 'interrupted') {
    stderr.write(`interrupted at ${result.processed}/${result.total}; run again to resume\n`);
    return 130;
  }
  stderr.write(
    `done: ${result.processed} followers checked, ${result.written} records written${result.resumed ? ' (resumed)' : ''}\n`,
  );
  return 0;
}

if (require.main === module) {
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('stopping after the current batch (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  run(process.argv.slice(2), process.env, process.stderr, controller.signal).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
