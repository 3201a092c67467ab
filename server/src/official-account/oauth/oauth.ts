import type { SubscriptionStatus } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import { AppError } from '../../platform/errors';
import type { OfficialAccountConfig } from '../../config';
import { toProductError, WechatApiError, type WechatFailureMessages } from '../../wechat/errors';
import {
  applyEventToFollower,
  findFollowerRecordByOpenid,
  type FollowerRecord,
} from '../followers/store';
import { liveSnapshotOf } from '../followers/import';
import {
  consumeOAuthState,
  issueOAuthState,
  validateReturnTo,
  type IssuedOAuthState,
} from './state';
import { followerStatus, listImported, toSubscriptionView } from '../followers/subscription';

/**
 * Web OAuth (snsapi_base) for H5 pages opened inside WeChat: who is this
 * visitor, and do they follow the official account?
 */
type OAuthDeps = Pick<AppDeps, 'config' | 'clock' | 'random' | 'models' | 'wechat' | 'logger'>;

/** Where the official-account routes live; the primary account's also without `/:appid`. */
const OFFICIAL_ACCOUNT_BASE_PATH = '/wechat/official-account';

/** The callback path of an account: the primary keeps the path without its appid. */
function oauthCallbackPath(config: AppDeps['config'], account: OfficialAccountConfig): string {
  const scope = account.appid === config.officialAccount.appid ? '' : `/${account.appid}`;
  return `${OFFICIAL_ACCOUNT_BASE_PATH}${scope}/oauth/callback`;
}

/**
 * The authorize URL (网页授权 step 1). `#wechat_redirect` is required by
 * WeChat. A returnTo too long for the state rides in redirect_uri's own query:
 * WeChat redirects to redirect_uri with `code` and `state` appended.
 */
function authorizeUrl(
  config: AppDeps['config'],
  account: OfficialAccountConfig,
  issued: IssuedOAuthState,
): string {
  const callback = `${config.publicBaseUrl}${oauthCallbackPath(config, account)}`;
  const query =
    issued.returnToInQuery === undefined
      ? ''
      : `?${new URLSearchParams({ returnTo: issued.returnToInQuery }).toString()}`;
  const params = new URLSearchParams({
    appid: account.appid,
    redirect_uri: callback + query,
    response_type: 'code',
    scope: 'snsapi_base',
    state: issued.state,
  });
  // WeChat documents this exact parameter order; URLSearchParams keeps it.
  return `${config.wechatOpenBase}/connect/oauth2/authorize?${params.toString()}#wechat_redirect`;
}

/** GET …/oauth: the redirect to WeChat. Writes nothing (the state is self-contained). */
export function startOAuth(
  deps: OAuthDeps,
  account: OfficialAccountConfig,
  returnToParam: unknown,
): string {
  const returnTo = validateReturnTo(returnToParam);
  return authorizeUrl(deps.config, account, issueOAuthState(deps, account.appid, returnTo));
}

export interface OAuthResult {
  officialAccountAppid: string;
  /** `unknown` for an anonymous (snapshot-page) visitor. */
  status: SubscriptionStatus;
  /** is_snapshotuser=1: WeChat showed a snapshot page and gave a virtual identity. */
  anonymous: boolean;
  subscribedAt?: string;
  unsubscribedAt?: string;
  returnTo: string;
}

export async function completeOAuth(
  deps: OAuthDeps,
  account: OfficialAccountConfig,
  query: { code?: unknown; state?: unknown; returnTo?: unknown },
): Promise<OAuthResult> {
  // The state first: without a valid one nothing else is looked at (CSRF).
  const returnTo = await consumeOAuthState(deps, account.appid, query.state, query.returnTo);
  const code = query.code;
  if (typeof code !== 'string' || code === '' || code.length > 256) {
    throw new AppError('VALIDATION_FAILED', 'code: missing (the visitor did not authorise)');
  }
  const appid = account.appid;
  let identity;
  try {
    identity = await deps.wechat.officialAccount(appid).exchangeOAuthCode(code);
  } catch (err) {
    // The visitor reads this message (in JSON or on the page): no API names or errcodes.
    throw toProductError(err, OAUTH_FAILURES, null);
  }
  if (identity.isSnapshotUser) {
    return { officialAccountAppid: appid, status: 'unknown', anonymous: true, returnTo };
  }
  const follower =
    (await findFollowerRecordByOpenid(deps, appid, identity.openid)) ??
    (await lookUpFollower(deps, appid, identity.openid));
  const record = follower === 'unknown' ? null : follower;
  const view = toSubscriptionView(
    account,
    followerStatus({
      // The visitor's openid is known; a failed live lookup leaves who they are undecided.
      identityKnown: follower !== 'unknown',
      follower: record,
      listImported: await listImported(deps, appid),
      lookupPending: false,
      retention: deps.config.linkage.followerRetention,
    }),
    record,
  );
  const result: OAuthResult = {
    officialAccountAppid: appid,
    status: view.status,
    anonymous: false,
    returnTo,
  };
  if (view.subscribedAt !== undefined) result.subscribedAt = view.subscribedAt;
  if (view.unsubscribedAt !== undefined) result.unsubscribedAt = view.unsubscribedAt;
  return result;
}

/**
 * No record for this openid: the visitor may have followed before the server
 * existed and the backfill has not run yet, so ask WeChat (cgi-bin/user/info)
 * and record the answer through the reducer, exactly as the backfill would
 * (an older snapshot never overrides an event that lands meanwhile); returns
 * the resulting record. `unknown` when WeChat cannot say: better than a wrong `never`.
 */
async function lookUpFollower(
  deps: OAuthDeps,
  appid: string,
  openid: string,
): Promise<FollowerRecord | 'unknown'> {
  // Taken before the call: the snapshot describes the account as of then.
  const asOf = Math.floor(deps.clock.now().getTime() / 1000);
  let info;
  try {
    info = await deps.wechat.officialAccount(appid).getFollowerInfo(openid);
  } catch (err) {
    if (!(err instanceof WechatApiError)) throw err;
    deps.logger.warn(
      { component: 'oauth', api: err.api, errcode: err.errcode, code: err.code },
      'follower lookup for OAuth visitor failed; answering unknown',
    );
    return 'unknown';
  }
  const event = liveSnapshotOf(info, asOf);
  if (event === null) {
    deps.logger.warn({ component: 'oauth' }, 'user/info said subscribed without subscribe_time');
    return 'unknown';
  }
  return applyEventToFollower(deps, { appid, openid }, event, {
    source: 'backfill',
    lookedUp: true,
  });
}

/** What the visitor reads when WeChat refuses the OAuth exchange. */
const OAUTH_FAILURES: WechatFailureMessages = {
  WECHAT_CODE_INVALID: 'The WeChat authorization code is invalid or expired; open the page again',
  RATE_LIMITED: 'Too many requests to WeChat right now; try again in a minute',
  WECHAT_UNAVAILABLE: 'WeChat did not answer in time; try again in a moment',
  default: 'WeChat could not confirm who you are; try again later',
};
