import { routeErrorCodes, type ApiRoute, type ErrorCode, type WechatApi } from '@wxlink/contracts';
import { AppError } from '../platform/errors';

/** Marks a transport failure (timeout, refused connection, non-JSON answer) in WechatApiError.errcode. */
export const TRANSPORT_ERRCODE = -2;

/**
 * A failed WeChat call: which API, WeChat's errcode (or TRANSPORT_ERRCODE),
 * and the product code it maps to (contracts' mapWechatErrcode). The message
 * is for operators: it names the API and errcode, never a secret or user data.
 */
export class WechatApiError extends AppError<ErrorCode> {
  override readonly name = 'WechatApiError';
  constructor(
    readonly api: WechatApi,
    /** WeChat's errcode, or TRANSPORT_ERRCODE when no usable answer came back. */
    readonly errcode: number,
    code: ErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(code, message, { cause, details: { api, errcode } });
  }
}

/** No usable answer from WeChat (unreachable, malformed, no token): 502 WECHAT_UNAVAILABLE. */
export function wechatUnavailable(
  api: WechatApi,
  message: string,
  cause?: unknown,
): WechatApiError {
  return new WechatApiError(api, TRANSPORT_ERRCODE, 'WECHAT_UNAVAILABLE', message, cause);
}

/** What to tell the client for each product code a WeChat failure can map to. */
export type WechatFailureMessages = Partial<Record<ErrorCode, string>> & {
  readonly default: string;
};

/**
 * The one place a WeChat failure becomes the product's error: the same code,
 * a message written for the caller of this feature, the WeChat error kept as
 * `cause` (api and errcode stay in the log). Anything else is returned as is.
 *
 * `route`: the mini-program API route answering (contracts API_ROUTES), or
 * null for a page outside that API. A code the route's contract does not
 * name becomes WECHAT_UNAVAILABLE: WeChat's common errcodes apply to every
 * API (45009, the daily quota, is WECHAT_QUOTA_EXHAUSTED, 402), and the
 * access token behind a call can fail with them too, but a client of
 * POST /sessions was never told about a 402.
 */
export function toProductError(
  err: unknown,
  messages: WechatFailureMessages,
  route: Pick<ApiRoute, 'method' | 'request' | 'auth' | 'errors'> | null,
): unknown {
  if (!(err instanceof WechatApiError)) return err;
  const code =
    route === null || routeErrorCodes(route).includes(err.code) ? err.code : 'WECHAT_UNAVAILABLE';
  return new AppError(code, messages[code] ?? messages.default, {
    cause: err,
    details: { api: err.api, errcode: err.errcode },
  });
}
