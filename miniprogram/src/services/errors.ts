import type { ErrorCode } from '@wxlink/contracts';

/**
 * Every failure the session kit can surface. Each class carries a stable
 * `code` so pages branch on codes, never on message text.
 */

/** The server answered with its error envelope (`{error:{code,message,requestId?}}`). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export type NetworkErrorCode = 'NETWORK_ERROR' | 'TIMEOUT';

/** No HTTP answer at all: server down, DNS, TLS, timeout, or domain not allowed. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    readonly code: NetworkErrorCode,
    /** WeChat's `errMsg`, kept for diagnostics (it never holds secrets). */
    readonly errMsg: string,
  ) {
    super(code === 'TIMEOUT' ? `Request timed out (${errMsg})` : `Network failure (${errMsg})`);
  }
}

/**
 * The server answered something the contracts schema rejects: a status the
 * route does not produce, or a body that does not match. This is how schema
 * drift between server and mini-program shows up.
 */
export class ResponseInvalidError extends Error {
  override readonly name = 'ResponseInvalidError';
  readonly code = 'RESPONSE_INVALID';
  constructor(
    readonly route: string,
    readonly status: number,
    detail: string,
  ) {
    super(`Unexpected response from ${route} (HTTP ${status}): ${detail}`);
  }
}

export type LoginStage = 'wx.login' | 'createSession';

/** Logging in failed; `cause` is the WeChat failure or the server's ApiError/NetworkError. */
export class LoginError extends Error {
  override readonly name = 'LoginError';
  readonly code = 'LOGIN_FAILED';
  constructor(
    readonly stage: LoginStage,
    override readonly cause: unknown,
  ) {
    super(`Login failed at ${stage}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * `wx.getUserInfo` failed or did not answer in time (no scope.userInfo, an
 * old base library, a WeChat hiccup). Only ever seen as the `cause` of a
 * `retap` result: without fresh user data the kit cannot retry by itself.
 */
export class UserInfoError extends Error {
  override readonly name = 'UserInfoError';
  readonly code = 'USER_INFO_UNAVAILABLE';
  constructor(
    /** WeChat's `errMsg` (or the kit's own timeout text); never holds secrets. */
    readonly errMsg: string,
  ) {
    super(`wx.getUserInfo failed (${errMsg})`);
  }
}

export type ClientError =
  ApiError | NetworkError | ResponseInvalidError | LoginError | RequestInvalidError | UserInfoError;

export function isClientError(err: unknown): err is ClientError {
  return (
    err instanceof ApiError ||
    err instanceof NetworkError ||
    err instanceof ResponseInvalidError ||
    err instanceof LoginError ||
    err instanceof RequestInvalidError ||
    err instanceof UserInfoError
  );
}

/** The code to branch on, or `UNEXPECTED` for a programming fault. */
export function errorCodeOf(err: unknown): string {
  return isClientError(err) ? err.code : 'UNEXPECTED';
}

/** `wx.request` reports timeouts only through the text of `errMsg`. */
export function networkErrorFrom(errMsg: string): NetworkError {
  // Seen: "request:fail timeout", "request:fail socket time out timeout:6000".
  return new NetworkError(
    /time ?out|timed out/i.test(errMsg) ? 'TIMEOUT' : 'NETWORK_ERROR',
    errMsg,
  );
}

/**
 * The mini-program was about to send a body the contracts schema rejects
 * (e.g. a 40-character nickname). Same code the server would answer, caught
 * before a round trip.
 */
export class RequestInvalidError extends Error {
  override readonly name = 'RequestInvalidError';
  readonly code = 'VALIDATION_FAILED';
  constructor(
    readonly route: string,
    detail: string,
  ) {
    super(`Invalid ${route} request: ${detail}`);
  }
}
