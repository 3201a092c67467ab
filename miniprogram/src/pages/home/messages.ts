import {
  ApiError,
  LoginError,
  NetworkError,
  RequestInvalidError,
  ResponseInvalidError,
} from '../../services/errors';

/**
 * After a stale session_key the kit logs in again and retries once on its
 * own; this is shown only when that retry did not work either.
 */
export const RETAP_NOTICE =
  'WeChat refreshed your login and the profile could not be confirmed. Tap “Authorize profile” again.';

/** What the user reads for a server error code (the code itself stays in logs). */
const API_MESSAGES: Readonly<Partial<Record<ApiError['code'], string>>> = {
  VALIDATION_FAILED: 'Please check what you entered.',
  PAYLOAD_TOO_LARGE: 'That image is too large. Choose a smaller one.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  SESSION_INVALID: 'Your session ended. Pull down to log in again.',
  WECHAT_CODE_INVALID: 'The WeChat code expired. Tap the button again.',
  WECHAT_USER_BLOCKED: 'This WeChat account cannot log in.',
  WECHAT_QUOTA_EXHAUSTED: 'Phone number lookup is unavailable right now. Try later.',
  WECHAT_UNAVAILABLE: 'WeChat is not answering. Try again shortly.',
  SIGNATURE_INVALID: 'WeChat data could not be verified. Tap the button again.',
  USER_DATA_INVALID: 'WeChat data could not be read. Tap the button again.',
  USER_DATA_EXPIRED: 'That authorization is too old. Tap the button again.',
  SERVICE_UNAVAILABLE: 'The service is busy. Try again shortly.',
};

/** One sentence for any failure the session kit raises (never a stack, never a token). */
export function describeError(err: unknown): string {
  if (err instanceof NetworkError) {
    return err.code === 'TIMEOUT'
      ? 'The server did not answer in time. Check your connection and retry.'
      : 'Cannot reach the server. Check your connection and retry.';
  }
  if (err instanceof LoginError) {
    return err.stage === 'wx.login'
      ? 'WeChat login failed. Check your connection and retry.'
      : `Login failed: ${describeError(err.cause)}`;
  }
  if (err instanceof ApiError) {
    const text = API_MESSAGES[err.code] ?? `Server error (${err.code}).`;
    return err.requestId ? `${text} [ref ${err.requestId}]` : text;
  }
  if (err instanceof RequestInvalidError) return 'Please check what you entered.';
  if (err instanceof ResponseInvalidError)
    return 'The server sent an unexpected answer. Try again later.';
  return 'Something went wrong. Try again.';
}
