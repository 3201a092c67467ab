import { parseArgs } from 'node:util';
import { isPushMode, type PushMode } from '../pusher';

/** The CLI's command line: usage text, option spec and the checks of option values. */

/** Where commands look for a running sandbox when neither --url nor $SANDBOX_URL is set. */
export const DEFAULT_URL = 'http://127.0.0.1:4010';

/** The help text (`help`, `-h`, and after every usage error). */
export const USAGE = `Usage: npm run sandbox -- <command> [options]

Commands:
  serve [--port 4010] [--host 127.0.0.1] [--accept-unknown-codes] [--tourist-mode]
        [--official-accounts N] [--push-url URL --push-mode plain|compat|safe]
                              start a sandbox (reads MINIPROGRAM_APPID/SECRET, OFFICIAL_ACCOUNT_APPID/
                              SECRET/TOKEN/AES_KEY from the environment when set; --official-accounts
                              hosts N accounts, the primary first, the others generated)
  create-user [--unbound] [--following] [--nick NAME]
                              create a user (--unbound: no unionid)
  users [--offset N] [--limit N]
                              list users
  login-code <userId>         mint a wx.login code (rotates the user's session_key)
  phone-code <userId>         mint a getPhoneNumber code
  follow <userId> [--scene S] [--no-push] [--account APPID]
                              subscribe (SCAN for a follower with --scene); --no-push: WeChat gave up
  unfollow <userId> [--no-push] [--account APPID]
  push-target <url> [--mode plain|compat|safe] [--account APPID] | push-target --clear
  token-fault <appid> <40001|40125|40243|61004>
                              token fetches of that app answer the errcode (clear with: clear-faults)
  unbind <appid>              that app is not bound to the Open Platform (no unionid)
  clear-faults                clear every injected fault
  stats                       token counts, calls per route, pushes
  log [--since SEQ]           what the sandbox did
  config                      appids, secrets, token and AES key of the running sandbox

Options for commands against a running sandbox:
  --url URL                   default: $SANDBOX_URL or ${DEFAULT_URL}
`;

/** A bad command line: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

/** Parses argv strictly against the CLI's options (unknown options throw ERR_PARSE_ARGS_*). */
export function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'accept-unknown-codes': { type: 'boolean' },
      'tourist-mode': { type: 'boolean' },
      'official-accounts': { type: 'string' },
      account: { type: 'string' },
      'push-url': { type: 'string' },
      'push-mode': { type: 'string' },
      unbound: { type: 'boolean' },
      following: { type: 'boolean' },
      nick: { type: 'string' },
      scene: { type: 'string' },
      'no-push': { type: 'boolean' },
      mode: { type: 'string' },
      clear: { type: 'boolean' },
      since: { type: 'string' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The parsed option values. */
export type CliValues = ReturnType<typeof parseCommandLine>['values'];

/** --port: 0..65535, default 4010. */
export function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 4010;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535)
    throw new UsageError(`--port must be 0..65535, got ${raw}`);
  return Number(raw);
}

/** --mode / --push-mode: plain (default), compat or safe. */
export function parseMode(raw: string | undefined): PushMode {
  const mode = raw ?? 'plain';
  if (!isPushMode(mode)) {
    throw new UsageError(`--mode must be plain, compat or safe, got ${mode}`);
  }
  return mode;
}

/** A non-negative integer option, or `fallback` when absent. */
export function parseIntOption(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(raw);
}
