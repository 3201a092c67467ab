import { AppError } from '../../platform/errors';
/**
 * npm run inbox:replay -w @wxlink/server -- [--id <inboxId>] [--all] [--dry-run]
 *
 * Moves dead-lettered official-account inbox items back to `pending`
 * (attempts reset, due now); the running servers' processors pick them up.
 * Reads the same environment as the server (MONGODB_URI is required: it must
 * be the server's database). Prints one line per item, then a summary.
 *
 * Exit codes: 0 done (also when nothing was dead), 1 failed or the item is
 * missing / not dead, 2 bad usage/configuration.
 */
import type { AppDeps } from '../../deps';
import { replayDeadLetters, type ReplayOptions, type ReplayedItem } from './replay';
import { flagValue, runAsProcess, runCommand, UsageError } from '../../platform/command';

export const USAGE = `Usage: inbox-replay (--id <inboxId> | --all) [--dry-run]

Moves dead-lettered official-account inbox items back to pending (attempts reset, due now).
  --id <inboxId>  one item (its _id in oa_inbox)
  --all           every dead item
  --dry-run       list what would be replayed, change nothing
  --help          show this help

Environment: the server's (MONGODB_URI, OFFICIAL_ACCOUNT_APPID, ...).`;

export interface CliArgs extends ReplayOptions {
  help: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--all') args.all = true;
    else if (arg === '--dry-run') args.dryRun = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--id') args.id = flagValue(argv, ++i, '--id');
    else if (arg?.startsWith('--id=')) args.id = arg.slice('--id='.length);
    else throw new UsageError(`unknown argument: ${arg}`);
  }
  if (!args.help && (args.id !== undefined) === (args.all === true)) {
    throw new UsageError('give exactly one of --id <inboxId> or --all');
  }
  return args;
}

function formatItem(item: ReplayedItem): string {
  const at = new Date(item.createTime * 1000).toISOString();
  const error = item.lastError ?? 'no error recorded';
  return `${item.id}  ${item.type}  ${at}  attempts=${item.attempts}  ${error}`;
}

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
): Promise<number> {
  return runCommand(
    {
      name: 'inbox:replay',
      usage: USAGE,
      parseArgs,
      execute: (deps, args) => replay(deps, args, out),
    },
    argv,
    env,
    out,
  );
}

async function replay(deps: AppDeps, args: CliArgs, out: NodeJS.WritableStream): Promise<number> {
  try {
    const result = await replayDeadLetters(deps, args);
    for (const item of result.items) out.write(`${formatItem(item)}\n`);
    if (result.dryRun) {
      out.write(`dry run: ${result.items.length} dead item(s) would be replayed\n`);
    } else {
      out.write(`replayed ${result.replayed} of ${result.items.length} dead item(s) to pending\n`);
      if (result.replayed < result.items.length) {
        out.write('(the others changed meanwhile and were left alone)\n');
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      out.write(`inbox:replay: ${err.message}\n`);
      return err.code === 'USAGE' ? 2 : 1;
    }
    throw err; // runCommand reports it as `inbox:replay failed: …` (exit 1)
  }
}

if (require.main === module) runAsProcess(run);
