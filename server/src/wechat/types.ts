import type { ErrorCode, WechatApi } from '@wxlink/contracts';

/**
 * The WeChat API as the services see it: typed results, typed failures.
 * Implemented over HTTP by wechat/client.ts (access tokens handled inside by
 * the token broker); services never see tokens, secrets or raw errcodes.
 */
export interface WechatClient {
  /** sns/jscode2session. session_key stays inside the server. */
  code2Session(code: string): Promise<Code2SessionResult>;
  /** wxa/checksession: is this the user's current session_key? */
  checkSession(openid: string, sessionKey: string): Promise<boolean>;
  /** wxa/business/getuserphonenumber. */
  getPhoneNumber(code: string): Promise<PhoneNumberResult>;
  /** cgi-bin/user/info for one official-account follower. */
  getFollowerInfo(openid: string): Promise<FollowerInfo>;
  /** cgi-bin/user/info/batchget, at most 100 openids. */
  batchGetFollowerInfo(openids: readonly string[]): Promise<FollowerInfo[]>;
  /** cgi-bin/user/get, one page (≤ 10000) after `nextOpenid`. */
  listFollowers(nextOpenid?: string): Promise<FollowerPage>;
  /** sns/oauth2/access_token for the official account's web OAuth. */
  exchangeOAuthCode(code: string): Promise<OAuthIdentity>;
}

export interface Code2SessionResult {
  openid: string;
  sessionKey: string;
  unionid?: string;
}

export interface PhoneNumberResult {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

export interface FollowerInfo {
  openid: string;
  subscribed: boolean;
  unionid?: string;
  /** unix seconds, present when subscribed */
  subscribeTime?: number;
  subscribeScene?: string;
  qrScene?: string;
}

export interface FollowerPage {
  total: number;
  openids: string[];
  /** Empty string when this was the last page. */
  nextOpenid: string;
}

export interface OAuthIdentity {
  openid: string;
  unionid?: string;
  /** is_snapshotuser=1: a "snapshot" visitor who has not really authorised; treat as anonymous. */
  isSnapshotUser: boolean;
}

/** Marks a transport failure (timeout, refused connection, non-JSON answer) in WechatApiError.errcode. */
export const TRANSPORT_ERRCODE = -2;

/** A failed WeChat call, already mapped to the product error code. */
export class WechatApiError extends Error {
  override readonly name = 'WechatApiError';
  constructor(
    readonly api: WechatApi,
    /** WeChat's errcode, or TRANSPORT_ERRCODE when no usable answer came back. */
    readonly errcode: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** No usable answer from WeChat (unreachable, malformed, no token): 502 WECHAT_UNAVAILABLE. */
export function wechatUnavailable(api: WechatApi, message: string): WechatApiError {
  return new WechatApiError(api, TRANSPORT_ERRCODE, 'WECHAT_UNAVAILABLE', message);
}
