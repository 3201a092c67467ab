import type { AccessTokenBroker } from './token-broker';

/**
 * The WeChat API as the features see it: typed results, typed failures
 * (WechatApiError). Features never see tokens, secrets or raw answers.
 */

/** The mini-program's server APIs (one per deployment). */
export interface MiniProgramApi {
  readonly appid: string;
  /** sns/jscode2session. session_key stays inside the server. */
  code2Session(code: string): Promise<Code2SessionResult>;
  /** wxa/checksession: is this the user's current session_key? */
  checkSession(openid: string, sessionKey: string): Promise<boolean>;
  /**
   * wxa/business/getuserphonenumber, with the caller's openid so WeChat
   * checks that the code was minted for this user ("填入后会校验openid和code的绑定关系").
   */
  getPhoneNumber(code: string, openid: string): Promise<PhoneNumberResult>;
}

/** One official account's server APIs. */
export interface OfficialAccountApi {
  readonly appid: string;
  /** cgi-bin/user/info for one follower. */
  getFollowerInfo(openid: string): Promise<FollowerInfo>;
  /** cgi-bin/user/info/batchget, at most 100 openids. */
  batchGetFollowerInfo(openids: readonly string[]): Promise<FollowerInfo[]>;
  /** cgi-bin/user/get, one page (≤ 10000) after `nextOpenid`. */
  listFollowers(nextOpenid?: string): Promise<FollowerPage>;
  /** sns/oauth2/access_token for the account's web OAuth. */
  exchangeOAuthCode(code: string): Promise<OAuthIdentity>;
}

/** Every WeChat API this deployment calls, per configured app. */
export interface WechatApis {
  readonly miniProgram: MiniProgramApi;
  /** The API of a configured official account; throws for an unknown appid (a bug). */
  officialAccount(appid: string): OfficialAccountApi;
  /** Shared access tokens (all apps, all instances). */
  readonly tokens: AccessTokenBroker;
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
