import type { SubscriptionStatus } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import { AppError } from '../../http/errors';
import { WechatApiError } from '../../wechat/types';
import {
  applyEventToFollower,
  findFollowerRecordByOpenid,
  type FollowerRecord,
} from '../followers/store';
import { liveSnapshotOf } from '../followers/import';
import { consumeOAuthState, issueOAuthState, validateReturnTo } from './state';

/**
 * Web OAuth (snsapi_base) for H5 pages opened inside WeChat: who is this
 * visitor, and do they follow the official account?
 */
type OAuthDeps = Pick<AppDeps, 'config' | 'clock' | 'random' | 'models' | 'wechat' | 'logger'>;

export const OAUTH_CALLBACK_PATH = '/wechat/official-account/oauth/callback';

/** The authorize URL (网页授权 step 1). `#wechat_redirect` is required by WeChat. */
export function authorizeUrl(config: AppDeps['config'], state: string): string {
  const params = new URLSearchParams({
    appid: config.officialAccount.appid,
    redirect_uri: `${config.publicBaseUrl}${OAUTH_CALLBACK_PATH}`,
    response_type: 'code',
    scope: 'snsapi_base',
    state,
  });
  // WeChat documents this exact parameter order; URLSearchParams keeps it.
  return `${config.wechatOpenBase}/connect/oauth2/authorize?${params.toString()}#wechat_redirect`;
}

export async function startOAuth(deps: OAuthDeps, returnToParam: unknown): Promise<string> {
  const returnTo = validateReturnTo(returnToParam);
  const state = await issueOAuthState(deps, returnTo);
  return authorizeUrl(deps.config, state);
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

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

export async function completeOAuth(
  deps: OAuthDeps,
  query: { code?: unknown; state?: unknown },
): Promise<OAuthResult> {
  // The state first: without a valid one nothing else is looked at (CSRF).
  const returnTo = await consumeOAuthState(deps, query.state);
  const code = query.code;
  if (typeof code !== 'string' || code === '' || code.length > 256) {
    throw new AppError('VALIDATION_FAILED', 'code: missing (the visitor did not authorise)');
  }
  let identity;
  try {
    identity = await deps.wechat.exchangeOAuthCode(code);
  } catch (err) {
    // The visitor reads this message (in JSON or on the page): no API names or errcodes.
    if (err instanceof WechatApiError) throw new AppError(err.code, oauthFailureMessage(err.code));
    throw err;
  }
  const appid = deps.config.officialAccount.appid;
  if (identity.isSnapshotUser) {
    return { officialAccountAppid: appid, status: 'unknown', anonymous: true, returnTo };
  }
  const follower =
    (await findFollowerRecordByOpenid(deps, appid, identity.openid)) ??
    (await lookUpFollower(deps, appid, identity.openid));
  if (follower === 'unknown') {
    return { officialAccountAppid: appid, status: 'unknown', anonymous: false, returnTo };
  }
  if (neverFollowed(follower)) {
    return { officialAccountAppid: appid, status: 'never', anonymous: false, returnTo };
  }
  const result: OAuthResult = {
    officialAccountAppid: appid,
    status: follower.subscribed ? 'subscribed' : 'unsubscribed',
    anonymous: false,
    returnTo,
  };
  if (follower.subscribedAt !== null) result.subscribedAt = iso(follower.subscribedAt);
  if (!follower.subscribed && follower.unsubscribedAt !== null) {
    result.unsubscribedAt = iso(follower.unsubscribedAt);
  }
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
    info = await deps.wechat.getFollowerInfo(openid);
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
  return applyEventToFollower(deps, { appid, openid }, event, 'backfill');
}

/**
 * Not following, no follow ever seen, and no unfollow event either: only
 * WeChat's "subscribe=0" answer to a live lookup. WeChat does not say whether
 * they followed once, so this is `never`, as it was before anything was stored.
 */
function neverFollowed(state: FollowerRecord): boolean {
  return !state.subscribed && state.subscribedAt === null && state.source === 'backfill';
}

function oauthFailureMessage(code: string): string {
  switch (code) {
    case 'WECHAT_CODE_INVALID':
      return 'The WeChat authorization code is invalid or expired; open the page again';
    case 'RATE_LIMITED':
      return 'Too many requests to WeChat right now; try again in a minute';
    case 'WECHAT_UNAVAILABLE':
      return 'WeChat did not answer in time; try again in a moment';
    default:
      return 'WeChat could not confirm who you are; try again later';
  }
}
