import { pushSignature } from '@wxlink/contracts/node';
import type { AppDeps } from '../deps';
import type { OfficialAccountConfig } from '../config';
import { fail, pass, type CheckResult } from './report';

/** WeChat waits 5 s for an answer; the doctor does not wait longer. */
export const PUSH_URL_TIMEOUT_MS = 5_000;

/** The push route WeChat is configured with for this account (the per-appid form). */
export function pushUrlOf(publicBaseUrl: string, appid: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/wechat/official-account/${appid}/events`;
}

/**
 * Does what WeChat does when the push URL is saved in the console (验证消息的
 * 确实来自微信服务器): a GET with `signature` = sha1(sort(Token, timestamp,
 * nonce)) and a random `echostr`, which the server must echo back. Proves
 * that PUBLIC_BASE_URL reaches this server and that its Token matches.
 */
export async function checkPushUrl(
  deps: Pick<AppDeps, 'config' | 'clock' | 'random'>,
  account: OfficialAccountConfig,
): Promise<CheckResult> {
  const url = new URL(pushUrlOf(deps.config.publicBaseUrl, account.appid));
  const name = `push URL ${url.href} (official account ${account.appid})`;
  const timestamp = String(Math.floor(deps.clock.now().getTime() / 1000));
  const nonce = deps.random.bytes(8).toString('hex');
  const echostr = deps.random.bytes(12).toString('hex');
  url.searchParams.set('signature', pushSignature(account.token, timestamp, nonce));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('echostr', echostr);
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(PUSH_URL_TIMEOUT_MS),
      redirect: 'manual',
    });
  } catch (err) {
    return fail(
      name,
      `no answer (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}): start the server or fix PUBLIC_BASE_URL`,
    );
  }
  const body = (await res.text()).trim();
  if (res.status === 200 && body === echostr) return pass(name);
  if (res.status === 401) {
    return fail(
      name,
      `the server refused the signature (401): the Token it runs with differs from this configuration's (OFFICIAL_ACCOUNT_TOKEN or OFFICIAL_ACCOUNTS_FILE)`,
    );
  }
  return fail(
    name,
    `answered HTTP ${res.status} without the echostr: PUBLIC_BASE_URL does not lead to this server's push route (check the reverse proxy), or the server does not serve this appid`,
  );
}
