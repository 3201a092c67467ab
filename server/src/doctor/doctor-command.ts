/**
 * npm run doctor
 *
 * Checks a configuration (the same environment as `npm start`, production
 * rules) against the database and WeChat, before users arrive: the database
 * and its indexes; an access token for the mini-program and each official
 * account (wrong AppSecret, frozen AppSecret, IP not allow-listed, each
 * named); each official account's follower list and whether unionids come
 * back (the Open Platform binding); and that PUBLIC_BASE_URL reaches this
 * server's push route with a signed URL verification (so the server must be
 * running). Prints `ok   <check>` or `FAIL <check>: <what to do>` per check.
 *
 * Exit codes: 0 every check passed, 1 a check failed (or the database could
 * not be reached), 2 bad usage/configuration.
 */
import { parseHelpOnly, runAsProcess, runCommand } from '../platform/command';
import { runDoctor } from './doctor';

export const USAGE = `Usage: doctor

Checks the configuration against the database and WeChat; one line per check.
  --help   show this help

Environment: the server's (MONGODB_URI, MINIPROGRAM_APPID/SECRET, OFFICIAL_ACCOUNT_* or
OFFICIAL_ACCOUNTS_FILE, PUBLIC_BASE_URL, WECHAT_API_BASE, ...). Start the server first:
the push URL check calls it through PUBLIC_BASE_URL.`;

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
): Promise<number> {
  return runCommand(
    {
      name: 'doctor',
      usage: USAGE,
      parseArgs: parseHelpOnly,
      failureHint: 'FAIL database reachable: start MongoDB or fix MONGODB_URI',
      execute: async (deps) => {
        const accountsFromFile = Boolean(env.OFFICIAL_ACCOUNTS_FILE?.trim());
        return (await runDoctor(deps, out, { accountsFromFile })) ? 0 : 1;
      },
    },
    argv,
    env,
    out,
  );
}

if (require.main === module) runAsProcess(run);
