import { WechatCryptoError } from './errors';

// Padded standard alphabet only: no whitespace, no URL-safe '-'/'_', no
// missing '=' (Node's own decoder silently accepts all of those). The last
// character before the padding must have its unused low bits zero (4 bits
// before "==": A Q g w; 2 bits before "=": values divisible by 4), which is
// what makes the text canonical, checked here without re-encoding.
// With the length a multiple of 4, this single character-class run is exact
// (and much cheaper than a quantified group).
const CANONICAL_BASE64 = /^[A-Za-z0-9+/]*(?:[AQgw]==|[AEIMQUYcgkosw048]=)?$/;

/**
 * Decodes padded, canonical base64 or throws `INVALID_BASE64`.
 *
 * Canonical means the unused bits of the last character are zero, i.e. the
 * input is exactly what an encoder produces for those bytes. WeChat's
 * encryptedData, iv and session_key always are; anything else was altered.
 * `what` names the field in the error message (never the value).
 */
export function decodeBase64Strict(input: unknown, what: string): Buffer {
  if (typeof input !== 'string' || input.length % 4 !== 0 || !CANONICAL_BASE64.test(input)) {
    throw new WechatCryptoError('INVALID_BASE64', `${what} is not valid, canonical base64`);
  }
  return Buffer.from(input, 'base64');
}

/** `decodeBase64Strict`, then exactly `bytes` long or `code` (the message names `what`). */
export function decodeBase64Bytes(
  input: unknown,
  what: string,
  bytes: number,
  code: 'INVALID_KEY_LENGTH' | 'INVALID_IV_LENGTH',
): Buffer {
  const decoded = decodeBase64Strict(input, what);
  if (decoded.length !== bytes) {
    throw new WechatCryptoError(code, `${what} must decode to ${bytes} bytes`);
  }
  return decoded;
}

/** A session_key from code2Session: base64 of exactly 16 bytes. */
export function decodeSessionKey(sessionKeyB64: unknown): Buffer {
  return decodeBase64Bytes(sessionKeyB64, 'session_key', 16, 'INVALID_KEY_LENGTH');
}
