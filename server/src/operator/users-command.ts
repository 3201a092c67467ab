/**
 * npm run users:revoke-sessions -- --user <id>
 * npm run users:block -- --user <id> [--reason <text>]
 * npm run users:unblock -- --user <id>
 *
 * Operator commands on one mini-program user, by the id the API shows
 * (`user.id`). Reads the same environment as the server (MONGODB_URI is
 * required: it must be the server's database). Prints one line.
 *
 * Exit codes: 0 done, 1 unknown user or failure, 2 bad usage/configuration.
 */
import type { AppDeps } from '../deps';
import { AppError } from '../platform/errors';
import { flagValue, runAsProcess, runCommand, UsageError } from '../platform/command';
import {
  BLOCK_REASON_MAX_LENGTH,
  blockUser,
  isUserId,
  revokeUserSessions,
  unblockUser,
} from './users';

/** The three actions; the first argument of the built entry (the npm scripts pass it). */
export const USER_ACTIONS = ['revoke-sessions', 'block', 'unblock'] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

export const USAGE = `Usage: users:revoke-sessions --user <id>
       users:block --user <id> [--reason <text>]
       users:unblock --user <id>

  revoke-sessions  every token of the user answers 401 from now on (they can log in again)
  block            login and every authenticated route answer 403 ACCOUNT_BLOCKED;
                   the user's sessions are revoked
  unblock          lifts the block (the user logs in again)
  --user <id>      the user's id as the API shows it (user.id, 24 hex digits)
  --reason <text>  block only: a note for support (at most ${BLOCK_REASON_MAX_LENGTH} characters)
  --help           show this help

Environment: the server's (MONGODB_URI, MINIPROGRAM_APPID, ...).`;

export interface CliArgs {
  action: UserAction;
  userId: string;
  reason: string | null;
  help: boolean;
}

/** `argv` = [action, ...flags]; throws UsageError for anything else. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const [action, ...rest] = argv;
  if (!USER_ACTIONS.includes(action as UserAction)) {
    throw new UsageError(`unknown action: ${action ?? '(none)'}`);
  }
  const args: CliArgs = { action: action as UserAction, userId: '', reason: null, help: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--user') args.userId = flagValue(rest, ++i, '--user');
    else if (arg === '--reason' && args.action === 'block') {
      args.reason = flagValue(rest, ++i, '--reason');
    } else throw new UsageError(`unknown argument: ${arg}`);
  }
  if (args.help) return args;
  if (args.userId === '') throw new UsageError('--user <id> is required');
  if (!isUserId(args.userId)) throw new UsageError('--user must be a user id (24 hex digits)');
  if (args.reason !== null && args.reason.length > BLOCK_REASON_MAX_LENGTH) {
    throw new UsageError(`--reason is longer than ${BLOCK_REASON_MAX_LENGTH} characters`);
  }
  return args;
}

/** The work of one action; the line printed on success. */
async function perform(deps: AppDeps, args: CliArgs): Promise<string> {
  const who = `user ${args.userId}`;
  switch (args.action) {
    case 'revoke-sessions': {
      const n = await revokeUserSessions(deps, args.userId);
      return `${who}: ${n} live session(s) revoked`;
    }
    case 'block': {
      const { revokedSessions } = await blockUser(deps, args.userId, args.reason);
      return `${who}: blocked; ${revokedSessions} live session(s) revoked`;
    }
    case 'unblock': {
      const { wasBlocked } = await unblockUser(deps, args.userId);
      return `${who}: ${wasBlocked ? 'unblocked' : 'was not blocked; nothing changed'}`;
    }
  }
}

/** The command's work with live dependencies (tests call it directly); returns the exit code. */
export async function execute(
  deps: AppDeps,
  args: CliArgs,
  out: NodeJS.WritableStream,
): Promise<number> {
  try {
    out.write(`${await perform(deps, args)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'INVALID_REQUEST') throw err;
    out.write(`users:${args.action}: ${err.message}\n`);
    return 1;
  }
}

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
): Promise<number> {
  const name = `users:${USER_ACTIONS.includes(argv[0] as UserAction) ? argv[0] : 'command'}`;
  return runCommand(
    { name, usage: USAGE, parseArgs, execute: (deps, args) => execute(deps, args, out) },
    argv,
    env,
    out,
  );
}

if (require.main === module) runAsProcess(run);
