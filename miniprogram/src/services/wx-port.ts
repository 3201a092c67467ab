/**
 * The slice of the `wx` global the session kit uses. Services take a port
 * instead of touching `wx` directly so unit tests can script every answer
 * (and contract tests can route requests over real HTTP) without patching
 * globals. The real `wx` object satisfies this interface as-is.
 */
export interface WxFailure {
  errMsg: string;
}

export interface WxRequestOptions {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  header: Record<string, string>;
  data?: Record<string, unknown>;
  timeout: number;
  dataType: 'json';
  success: (res: { statusCode: number; data: unknown }) => void;
  fail: (err: WxFailure) => void;
}

export interface WxUploadFileOptions {
  url: string;
  filePath: string;
  name: string;
  header: Record<string, string>;
  timeout: number;
  success: (res: { statusCode: number; data: string }) => void;
  fail: (err: WxFailure) => void;
}

/**
 * What `wx.getUserInfo({ withCredentials: true })` hands back (the same four
 * fields the getUserInfo button's detail carries). Typed as WeChat documents
 * it; the kit still validates it against the contracts schema before sending.
 */
export interface WxUserInfoResult {
  rawData: string;
  signature: string;
  encryptedData: string;
  iv: string;
}

export interface WxGetUserInfoOptions {
  withCredentials: boolean;
  success: (res: WxUserInfoResult) => void;
  fail: (err: WxFailure) => void;
}

export interface WxPort {
  request(options: WxRequestOptions): unknown;
  uploadFile(options: WxUploadFileOptions): unknown;
  login(options: {
    timeout: number;
    success: (res: { code: string }) => void;
    fail: (err: WxFailure) => void;
  }): unknown;
  getUserInfo(options: WxGetUserInfoOptions): unknown;
  checkSession(options: { success: () => void; fail: (err: WxFailure) => void }): unknown;
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: unknown): void;
  removeStorageSync(key: string): void;
}

/** Compile-time proof that the real `wx` fits the port (no adapter needed). */
export function portFromWx(api: WechatMiniprogram.Wx): WxPort {
  return api;
}
