import {
  ApiError,
  LoginError,
  NetworkError,
  RequestInvalidError,
  ResponseInvalidError,
} from '../services/errors';
import type { PrivacyFailure } from '../services/privacy';
import { messages } from './index';
import type { Catalogue } from './index';

/** True when an operator blocked the account: retrying cannot help, so nothing retries. */
export function isAccountBlocked(err: unknown): boolean {
  const cause = err instanceof LoginError ? err.cause : err;
  return cause instanceof ApiError && cause.code === 'ACCOUNT_BLOCKED';
}

/** One sentence for any failure the session kit raises (never a stack, never a token). */
export function describeError(err: unknown, m: Catalogue = messages()): string {
  if (err instanceof NetworkError) {
    return err.code === 'TIMEOUT' ? m.error.timeout : m.error.unreachable;
  }
  if (err instanceof LoginError) {
    if (isAccountBlocked(err)) return describeError(err.cause, m);
    return err.stage === 'wx.login'
      ? m.error.wxLogin
      : m.error.loginFailed(describeError(err.cause, m));
  }
  if (err instanceof ApiError) {
    const text = m.error.api[err.code] ?? m.error.server(err.code);
    return err.requestId ? m.error.withRef(text, err.requestId) : text;
  }
  if (err instanceof RequestInvalidError) return m.error.requestInvalid;
  if (err instanceof ResponseInvalidError) return m.error.responseInvalid;
  return m.error.unknown;
}

/** errno 104 / 112 (or any other privacy failure) in the user's words. */
export function describePrivacy(
  failure: PrivacyFailure | 'other',
  m: Catalogue = messages(),
): string {
  return failure === 'undeclared' ? m.privacy.undeclared : m.privacy.refused;
}
