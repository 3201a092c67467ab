import type { AppDeps } from '../deps';
import { checkDatabase } from './database-checks';
import { checkPushUrl } from './push-url-check';
import { formatCheck, type CheckResult } from './report';
import { checkAccessToken, checkedApps, checkFollowers } from './wechat-checks';

/**
 * Runs every check in order, printing one line per check as it completes:
 * the database, then per app its access token, then per official account
 * the follower list, the unionid sample and the push URL. Returns true when
 * every check passed. A failed token skips that account's follower checks
 * (they would only repeat the token failure).
 */
export async function runDoctor(
  deps: AppDeps,
  out: NodeJS.WritableStream,
  options: { accountsFromFile: boolean },
): Promise<boolean> {
  let allOk = true;
  const report = (results: CheckResult[]): void => {
    for (const result of results) {
      allOk &&= result.ok;
      out.write(`${formatCheck(result)}\n`);
    }
  };
  report(await checkDatabase(deps));
  const tokenOk = new Map<string, boolean>();
  for (const app of checkedApps(deps.config, options.accountsFromFile)) {
    const result = await checkAccessToken(deps, app);
    tokenOk.set(app.appid, result.ok);
    report([result]);
  }
  for (const account of deps.config.officialAccounts) {
    if (tokenOk.get(account.appid)) report(await checkFollowers(deps, account.appid));
    report([await checkPushUrl(deps, account)]);
  }
  return allOk;
}
