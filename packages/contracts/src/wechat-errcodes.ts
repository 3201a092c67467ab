import type { ErrorCode } from './errors';

/** The WeChat server APIs this product calls. */
export type WechatApi =
  | 'code2Session' // GET sns/jscode2session
  | 'stableToken' // POST cgi-bin/stable_token
  | 'token' // GET cgi-bin/token
  | 'userInfo' // GET cgi-bin/user/info (and user/info/batchget)
  | 'userGet' // GET cgi-bin/user/get
  | 'checkSession' // GET wxa/checksession
  | 'phoneNumber' // POST wxa/business/getuserphonenumber
  | 'oauthAccessToken'; // GET sns/oauth2/access_token

type ErrcodeTable = ReadonlyMap<number, ErrorCode>;

/**
 * Errcodes with the same meaning on every API (WeChat's global return codes). The per-API
 * tables below take precedence.
 */
const COMMON: ErrcodeTable = new Map<number, ErrorCode>([
  [-1, 'WECHAT_UNAVAILABLE'], // "system error": system busy, retry later
  // Access token rejected. Callers refresh once and retry (isAccessTokenInvalid); if it still
  // fails, WeChat is the problem as far as the user is concerned.
  [40001, 'WECHAT_UNAVAILABLE'], // "invalid credential, access_token is invalid or not latest"
  [40014, 'WECHAT_UNAVAILABLE'], // "invalid access_token"
  [42001, 'WECHAT_UNAVAILABLE'], // "access_token expired"
  // Our own configuration is wrong: only an operator can fix it, so 503 rather than 502.
  [40013, 'SERVICE_UNAVAILABLE'], // "invalid appid"
  [40125, 'SERVICE_UNAVAILABLE'], // "invalid appsecret"
  [40164, 'SERVICE_UNAVAILABLE'], // "invalid ip ..., not in whitelist" (IP allow-list)
  [45009, 'WECHAT_QUOTA_EXHAUSTED'], // "reach max api daily quota limit"
  [45011, 'RATE_LIMITED'], // "api minute-quota reach limit, must slower, retry next minute"
]);

const PER_API: Readonly<Record<WechatApi, ErrcodeTable>> = {
  code2Session: new Map<number, ErrorCode>([
    [40029, 'WECHAT_CODE_INVALID'], // "invalid code": js_code invalid (expired, wrong appid)
    [40163, 'WECHAT_CODE_INVALID'], // "code been used": js_code is single-use
    [40226, 'WECHAT_USER_BLOCKED'], // "code blocked": high-risk user, login intercepted
    [45011, 'RATE_LIMITED'], // minute quota: at most 100 logins per user per minute
  ]),
  phoneNumber: new Map<number, ErrorCode>([
    [40029, 'WECHAT_CODE_INVALID'], // "invalid code": phone code expired (5 min) or already used
    [1400001, 'WECHAT_QUOTA_EXHAUSTED'], // the mini-program's paid phone-number quota is used up
  ]),
  stableToken: new Map<number, ErrorCode>([
    // The common table covers it: 40013 appid, 40125 secret, 40164 IP allow-list, 45009 daily
    // quota (500k/day; force_refresh is limited to 20/day), -1 system error.
  ]),
  token: new Map<number, ErrorCode>([
    // Same errcodes as stable_token (40013, 40125, 40164, 45009, -1): the common table.
  ]),
  userInfo: new Map<number, ErrorCode>([
    [40003, 'NOT_FOUND'], // "invalid openid": not a user of this official account
  ]),
  userGet: new Map<number, ErrorCode>([
    [40003, 'NOT_FOUND'], // "invalid openid": next_openid is not one of our followers
  ]),
  checkSession: new Map<number, ErrorCode>([
    // "invalid signature": the session_key we hold is not the user's current one (it expired or
    // a newer wx.login replaced it), so the client must log in again.
    [87009, 'SESSION_KEY_STALE'],
  ]),
  oauthAccessToken: new Map<number, ErrorCode>([
    [40029, 'WECHAT_CODE_INVALID'], // "invalid code": OAuth code invalid or expired
    [40163, 'WECHAT_CODE_INVALID'], // "code been used": OAuth code is single-use
  ]),
};

/**
 * Maps a WeChat errcode to the product error to answer with. Unknown errcodes are
 * `WECHAT_UNAVAILABLE` (502): WeChat said no and we cannot say why. `0` means success and is
 * a caller bug here, so it maps to `INTERNAL`.
 */
export function mapWechatErrcode(api: WechatApi, errcode: number): ErrorCode {
  if (errcode === 0) return 'INTERNAL';
  return PER_API[api].get(errcode) ?? COMMON.get(errcode) ?? 'WECHAT_UNAVAILABLE';
}

const ACCESS_TOKEN_INVALID: ReadonlySet<number> = new Set([
  40001, // invalid credential: invalid or not the latest access_token
  40014, // invalid access_token
  42001, // access_token expired
]);

/** The access token was rejected: refresh it once (shared across callers) and retry. */
export function isAccessTokenInvalid(errcode: number): boolean {
  return ACCESS_TOKEN_INVALID.has(errcode);
}

const RETRYABLE: ReadonlySet<number> = new Set([
  -1, // system busy: WeChat asks to retry later
  45009, // daily quota: retry with backoff (quota can be reset by an operator)
  45011, // minute quota: retry next minute
]);

/** Transient WeChat failures worth retrying with backoff (background work, not user requests). */
export function isRetryableWechatError(errcode: number): boolean {
  return RETRYABLE.has(errcode);
}
