/**
 * Errors of two kinds live here:
 *
 * - `WECHAT_ERRORS`: the errcode/errmsg pairs the sandbox answers with on its
 *   WeChat-compatible routes. The numbers and messages follow the official
 *   docs (developers.weixin.qq.com) so a client's errcode mapping can be tested
 *   against the sandbox exactly as against WeChat.
 * - `SandboxError`: a typed error thrown by the library/control API when the
 *   *caller* misuses the sandbox (unknown user, bad option...). It carries a
 *   stable `code` and never reaches the WeChat-compatible routes.
 */

export const WECHAT_ERRORS = {
  SYSTEM_BUSY: { errcode: -1, errmsg: 'system error' },
  INVALID_CREDENTIAL: {
    errcode: 40001,
    errmsg: 'invalid credential, access_token is invalid or not latest',
  },
  INVALID_GRANT_TYPE: { errcode: 40002, errmsg: 'invalid grant_type' },
  INVALID_OPENID: { errcode: 40003, errmsg: 'invalid openid' },
  INVALID_APPID: { errcode: 40013, errmsg: 'invalid appid' },
  INVALID_CODE: { errcode: 40029, errmsg: 'invalid code' },
  INVALID_OPENID_LIST_SIZE: { errcode: 40032, errmsg: 'invalid openid list size' },
  INVALID_ARGS: { errcode: 40097, errmsg: 'invalid args' },
  INVALID_APPSECRET: { errcode: 40125, errmsg: 'invalid appsecret' },
  CODE_USED: { errcode: 40163, errmsg: 'code been used' },
  CODE_BLOCKED: { errcode: 40226, errmsg: 'code blocked' },
  // "AppSecret冻结后，开发者无法使用AppSecret获取Access token（接口返回错误码40243）"
  // (服务端 API 调用说明). The page gives no errmsg; this wording is the sandbox's.
  APPSECRET_FROZEN: { errcode: 40243, errmsg: 'appsecret is frozen' },
  ACCESS_TOKEN_MISSING: { errcode: 41001, errmsg: 'access_token missing' },
  APPID_MISSING: { errcode: 41002, errmsg: 'appid missing' },
  APPSECRET_MISSING: { errcode: 41004, errmsg: 'appsecret missing' },
  CODE_MISSING: { errcode: 41008, errmsg: 'missing code' },
  ACCESS_TOKEN_EXPIRED: { errcode: 42001, errmsg: 'access_token expired' },
  REQUIRE_GET: { errcode: 43001, errmsg: 'require GET method' },
  REQUIRE_POST: { errcode: 43002, errmsg: 'require POST method' },
  EMPTY_POST_DATA: { errcode: 44002, errmsg: 'empty post data' },
  // stable_token: "强制刷新模式每天限用 20 次"; cgi-bin/token: "每日调用上限 2000 次".
  DAILY_QUOTA: { errcode: 45009, errmsg: 'reach max api daily quota limit' },
  MINUTE_QUOTA: {
    errcode: 45011,
    errmsg: 'api minute-quota reach limit mustslower retry next minute',
  },
  DATA_FORMAT_ERROR: { errcode: 47001, errmsg: 'data format error' },
  API_UNAUTHORIZED: { errcode: 48001, errmsg: 'api unauthorized' },
  // "白名单内的 IP 才可以调用获取接口调用凭据接口 或 获取稳定版接口调用凭据接口，否则会提示 61004 错误"
  IP_NOT_ALLOWED: {
    errcode: 61004,
    errmsg: 'access clientip is not registered, not in ip-white-list',
  },
  INVALID_SIGNATURE: { errcode: 87009, errmsg: 'invalid signature' },
  PHONE_QUOTA_EXHAUSTED: {
    errcode: 1400001,
    errmsg: '该功能使用次数已达当前小程序上限，暂时无法使用',
  },
} as const satisfies Record<string, { errcode: number; errmsg: string }>;

export type WechatErrorName = keyof typeof WECHAT_ERRORS;

/** errmsg for an errcode the sandbox knows; injected faults may use any number. */
export function errmsgFor(errcode: number): string {
  for (const e of Object.values(WECHAT_ERRORS)) {
    if (e.errcode === errcode) return e.errmsg;
  }
  return 'sandbox injected error';
}

export type SandboxErrorCode =
  | 'UNKNOWN_USER'
  | 'UNKNOWN_ACCOUNT'
  | 'INVALID_OPTION'
  | 'NO_PUSH_TARGET'
  | 'PHONE_QUOTA_EXHAUSTED';

/**
 * Thrown inside a WeChat-compatible route handler; rendered as `{errcode, errmsg}`.
 * Named apart from the server's own WeChat error so auto-import never mixes them up.
 */
export class SandboxWechatApiError extends Error {
  readonly errcode: number;
  readonly errmsg: string;
  constructor(error: { errcode: number; errmsg: string }) {
    super(error.errmsg);
    this.name = 'SandboxWechatApiError';
    this.errcode = error.errcode;
    this.errmsg = error.errmsg;
  }
}

/** The error WeChat answers for `name`, ready to throw. */
export function wechatError(name: WechatErrorName): SandboxWechatApiError {
  return new SandboxWechatApiError(WECHAT_ERRORS[name]);
}

/** A caller misused the sandbox (bad option, unknown user or account…). */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  /** WeChat's front-end errno when the error stands for one (e.g. 1400001). */
  readonly errno?: number;
  constructor(code: SandboxErrorCode, message: string, errno?: number) {
    super(message);
    this.errno = errno;
    this.name = 'SandboxError';
    this.code = code;
  }
}
