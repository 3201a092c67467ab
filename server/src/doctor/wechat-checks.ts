import type { AppDeps } from '../deps';
import { credentialFault } from '../wechat/credential-faults';
import { TRANSPORT_ERRCODE, WechatApiError } from '../wechat/errors';
import { TokenResponse } from '../wechat/schemas';
import { tokenRequest } from '../wechat/token-broker';
import { WechatTransport } from '../wechat/transport';
import { fail, pass, type CheckResult } from './report';

type Deps = Pick<AppDeps, 'config' | 'models' | 'clock' | 'metrics' | 'logger' | 'wechat'>;

/** How many followers the unionid sample asks about (one batchget call). */
export const UNIONID_SAMPLE_SIZE = 20;

/** One app the doctor checks: its appid, and where its AppSecret is configured. */
export interface CheckedApp {
  readonly label: string;
  readonly appid: string;
  readonly secret: string;
  readonly secretVariable: string;
}

/**
 * The mini-program first, then every official account in configuration
 * order. `accountsFromFile`: the accounts come from OFFICIAL_ACCOUNTS_FILE
 * (names where to fix a secret).
 */
export function checkedApps(config: Deps['config'], accountsFromFile: boolean): CheckedApp[] {
  const accountSecret = accountsFromFile
    ? 'its entry in OFFICIAL_ACCOUNTS_FILE'
    : 'OFFICIAL_ACCOUNT_SECRET';
  return [
    {
      label: `mini-program ${config.miniProgram.appid}`,
      appid: config.miniProgram.appid,
      secret: config.miniProgram.secret,
      secretVariable: 'MINIPROGRAM_SECRET',
    },
    ...config.officialAccounts.map((account) => ({
      label: `official account ${account.appid}`,
      appid: account.appid,
      secret: account.secret,
      secretVariable: accountSecret,
    })),
  ];
}

/** What to do about a token refusal, by errcode; the fault's name comes from credential-faults.ts. */
function tokenAdvice(app: CheckedApp, errcode: number): string {
  const fault = credentialFault(errcode) ?? `WeChat answered errcode ${errcode}`;
  if (errcode === 40001 || errcode === 40125 || errcode === 41004) {
    return `${fault}: copy the AppSecret of ${app.appid} from the WeChat console into ${app.secretVariable}`;
  }
  if (errcode === 40164 || errcode === 61004 || errcode === 89503) {
    return `${fault}: add this server's public IP to the API IP allow-list (IP白名单) of ${app.appid}`;
  }
  return fault;
}

function unreachable(config: Deps['config'], err: unknown): string {
  return `WeChat did not answer at WECHAT_API_BASE=${config.wechatApiBase} (${(err as Error).message}): check the network or WECHAT_API_BASE`;
}

/**
 * Fetches a fresh access token straight from WeChat with the configured
 * AppSecret, bypassing the shared cache (a cached token would hide a wrong
 * secret). stable_token in normal mode hands back the token in force and
 * invalidates nothing; with WECHAT_ACCESS_TOKEN_ENDPOINT=classic the fetch
 * mints a new token, and running servers recover through their 40001 refresh.
 */
export async function checkAccessToken(deps: Deps, app: CheckedApp): Promise<CheckResult> {
  const name = `access token (${app.label})`;
  const transport = new WechatTransport({
    apiBase: deps.config.wechatApiBase,
    accessTokenEndpoint: deps.config.wechatAccessTokenEndpoint,
    secrets: new Map([[app.appid, app.secret]]),
    accessTokens: deps.models.AccessToken,
    clock: deps.clock,
    metrics: deps.metrics,
    logger: deps.logger,
    instanceId: 'doctor',
  });
  const request = tokenRequest(deps.config.wechatAccessTokenEndpoint, app, false);
  try {
    await transport.call({ ...request, schema: TokenResponse });
    return pass(name);
  } catch (err) {
    if (!(err instanceof WechatApiError)) throw err;
    if (err.errcode === TRANSPORT_ERRCODE) return fail(name, unreachable(deps.config, err));
    return fail(name, tokenAdvice(app, err.errcode));
  }
}

const NOT_BOUND =
  'the official account is not bound to the same WeChat Open Platform account as the mini-program: unionid will be missing';

/**
 * cgi-bin/user/get can be read, and a sample of followers through
 * user/info/batchget shows whether unionids come back. WeChat: unionid
 * "只有在用户将公众号绑定到微信开放平台帐号后，才会出现该字段".
 */
export async function checkFollowers(deps: Deps, appid: string): Promise<CheckResult[]> {
  const listName = `follower list (official account ${appid})`;
  const sampleName = `unionid returned (official account ${appid})`;
  const api = deps.wechat.officialAccount(appid);
  let openids: string[];
  let total: number;
  try {
    ({ openids, total } = await api.listFollowers());
  } catch (err) {
    return [fail(listName, wechatFailure(deps, err, 'cgi-bin/user/get'))];
  }
  const listed = pass(listName, `${total} followers`);
  if (openids.length === 0) {
    return [listed, pass(sampleName, 'no followers yet: cannot tell; run the doctor again later')];
  }
  try {
    const sample = await api.batchGetFollowerInfo(openids.slice(0, UNIONID_SAMPLE_SIZE));
    const withUnionid = sample.filter((f) => f.unionid !== undefined).length;
    if (withUnionid === 0) return [listed, fail(sampleName, NOT_BOUND)];
    return [listed, pass(sampleName, `${withUnionid} of ${sample.length} sampled followers`)];
  } catch (err) {
    return [listed, fail(sampleName, wechatFailure(deps, err, 'cgi-bin/user/info/batchget'))];
  }
}

function wechatFailure(deps: Deps, err: unknown, api: string): string {
  if (!(err instanceof WechatApiError)) throw err;
  if (err.errcode === TRANSPORT_ERRCODE) return unreachable(deps.config, err);
  if (credentialFault(err.errcode))
    return `no access token: ${err.message} (see the access token check)`;
  if (err.errcode === 48001) {
    return `${api} is not authorised for this account (errcode 48001): user management needs a verified (认证) account`;
  }
  return `${api} failed with errcode ${err.errcode}`;
}
