import type { ErrorCode } from '../errors';

/**
 * What each error code means and what a client does about it, in one sentence. The generated
 * API documentation and the OpenAPI description read it; the server's messages stay its own.
 */
export const ERROR_DESCRIPTIONS: Readonly<Record<ErrorCode, string>> = Object.freeze({
  VALIDATION_FAILED:
    'The body or a parameter is malformed or out of bounds; `message` names the field. Do not retry unchanged.',
  PAYLOAD_TOO_LARGE: 'The body is larger than the route accepts.',
  NOT_FOUND: 'No such route or resource (routes match case-sensitively and exactly).',
  RATE_LIMITED: 'Too many requests; wait, then retry.',
  SESSION_INVALID:
    'The bearer token is missing, unknown, expired or revoked (or the account was deleted): log in again.',
  ACCOUNT_BLOCKED:
    'An operator has blocked this user; logging in again does not help, the user must contact the operator.',
  WECHAT_CODE_INVALID:
    'WeChat rejected the one-time code (expired, already used or for another app): get a new code.',
  WECHAT_USER_BLOCKED: 'WeChat refused this login (a user its risk control intercepts).',
  WECHAT_QUOTA_EXHAUSTED: "The app's WeChat quota for this call is used up.",
  WECHAT_UNAVAILABLE: 'WeChat failed or did not answer; retry later.',
  SESSION_KEY_STALE:
    'The user data was signed with a session_key the server does not hold: log in again, take fresh user data, retry once.',
  SIGNATURE_INVALID:
    'The user data does not match its signature under the current session_key: it was altered.',
  USER_DATA_INVALID:
    'The encrypted user data does not decrypt, parse or belong to this user and app.',
  USER_DATA_EXPIRED: 'The user data watermark is too old (or in the future): take fresh user data.',
  PUSH_SIGNATURE_INVALID: 'A WeChat push or URL verification whose signature does not verify.',
  PUSH_REJECTED:
    'A push that cannot be accepted: unparseable, plaintext while safe mode is required, too old, or for another appid.',
  OAUTH_STATE_INVALID:
    'The OAuth callback state is missing, forged, expired or already used: start again.',
  SERVICE_UNAVAILABLE:
    'The server cannot serve now (database unreachable, or a configuration only the operator can fix); retry later.',
  INTERNAL: 'An unexpected fault; the answer carries only a request id to quote.',
});
