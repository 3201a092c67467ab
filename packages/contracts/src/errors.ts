import { z } from 'zod';

/**
 * Every error code the product API can answer with. The set is closed: clients switch on
 * `error.code`, so adding a code is a contract change (describe it in
 * openapi/error-descriptions.ts, then regenerate docs/api.md with `npm run docs:api`).
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  'RATE_LIMITED',
  'SESSION_INVALID',
  'ACCOUNT_BLOCKED',
  'WECHAT_CODE_INVALID',
  'WECHAT_USER_BLOCKED',
  'WECHAT_QUOTA_EXHAUSTED',
  'WECHAT_UNAVAILABLE',
  'SESSION_KEY_STALE',
  'SIGNATURE_INVALID',
  'USER_DATA_INVALID',
  'USER_DATA_EXPIRED',
  'PUSH_SIGNATURE_INVALID',
  'PUSH_REJECTED',
  'OAUTH_STATE_INVALID',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;

/** One code of `ERROR_CODES`: what `error.code` of an error answer holds. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The HTTP status that goes with each code; the server never picks a status on its own. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  SESSION_INVALID: 401,
  // An operator blocked this user (server command users:block); distinct from WeChat's own
  // WECHAT_USER_BLOCKED so the mini-program can say who to contact.
  ACCOUNT_BLOCKED: 403,
  WECHAT_CODE_INVALID: 401,
  WECHAT_USER_BLOCKED: 403,
  WECHAT_QUOTA_EXHAUSTED: 402,
  WECHAT_UNAVAILABLE: 502,
  SESSION_KEY_STALE: 409,
  SIGNATURE_INVALID: 422,
  USER_DATA_INVALID: 422,
  USER_DATA_EXPIRED: 422,
  // Official-account push or echostr signature did not verify.
  PUSH_SIGNATURE_INVALID: 401,
  // Unparseable push, plaintext push in safe mode, or a push for another appid.
  PUSH_REJECTED: 400,
  OAUTH_STATE_INVALID: 400,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
});

const ERROR_CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/** Narrows anything (e.g. a parsed response body field) to a known error code. */
export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && ERROR_CODE_SET.has(x);
}

/** Bounds keep a hostile or buggy server from making the client hold megabytes of text. */
const MAX_ERROR_MESSAGE_LENGTH = 1024;
const MAX_REQUEST_ID_LENGTH = 128;

/** `{ error: { code, message, requestId? } }`: the body of every non-2xx answer. */
export const ErrorEnvelopeSchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string().max(MAX_ERROR_MESSAGE_LENGTH),
    requestId: z.string().min(1).max(MAX_REQUEST_ID_LENGTH).optional(),
  }),
});

/** The parsed body of an error answer. */
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;
