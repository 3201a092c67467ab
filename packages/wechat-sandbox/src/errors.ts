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
  ACCESS_TOKEN_MISSING: { errcode: 41001, errmsg: 'access_token missing' },
  APPID_MISSING: { errcode: 41002, errmsg: 'appid missing' },
  APPSECRET_MISSING: { errcode: 41004, errmsg: 'appsecret missing' },
  CODE_MISSING: { errcode: 41008, errmsg: 'missing code' },
  ACCESS_TOKEN_EXPIRED: { errcode: 42001, errmsg: 'access_token expired' },
  REQUIRE_GET: { errcode: 43001, errmsg: 'require GET method' },
  REQUIRE_POST: { errcode: 43002, errmsg: 'require POST method' },
  EMPTY_POST_DATA: { errcode: 44002, errmsg: 'empty post data' },
  MINUTE_QUOTA: {
    errcode: 45011,
    errmsg: 'api minute-quota reach limit mustslower retry next minute',
  },
  DATA_FORMAT_ERROR: { errcode: 47001, errmsg: 'data format error' },
  API_UNAUTHORIZED: { errcode: 48001, errmsg: 'api unauthorized' },
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

export type SandboxErrorCode = 'UNKNOWN_USER' | 'INVALID_OPTION' | 'NO_PUSH_TARGET';

/** Thrown inside a WeChat-compatible route handler; rendered as `{errcode, errmsg}`. */
export class WechatApiError extends Error {
  readonly errcode: number;
  readonly errmsg: string;
  constructor(error: { errcode: number; errmsg: string }) {
    super(error.errmsg);
    this.name = 'WechatApiError';
    this.errcode = error.errcode;
    this.errmsg = error.errmsg;
  }
}

export function wechatError(name: WechatErrorName): WechatApiError {
  return new WechatApiError(WECHAT_ERRORS[name]);
}

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  constructor(code: SandboxErrorCode, message: string) {
    super(message);
    this.name = 'SandboxError';
    this.code = code;
  }
}
