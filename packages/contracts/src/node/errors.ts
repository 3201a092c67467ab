/**
 * Typed failures of the Node-only WeChat crypto and XML helpers.
 *
 * Every error carries a stable `code` so callers map it to an HTTP answer
 * without parsing messages. Messages name what was wrong, never the secret
 * or the payload that caused it (they end up in logs).
 */

export const CRYPTO_ERROR_CODES = [
  'INVALID_BASE64',
  'INVALID_KEY_LENGTH',
  'INVALID_IV_LENGTH',
  'DECRYPT_FAILED',
  'INVALID_JSON',
  'SIGNATURE_MISMATCH',
  'APPID_MISMATCH',
  'WATERMARK_EXPIRED',
  'WATERMARK_MISSING',
  'OPENID_MISMATCH',
  'INVALID_AES_KEY',
  'INVALID_MESSAGE_LENGTH',
] as const;

/** One of CRYPTO_ERROR_CODES. */
export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number];

/** A failure of user-data or message crypto; `code` says which check failed. */
export class WechatCryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string) {
    super(message);
    this.name = 'WechatCryptoError';
    this.code = code;
  }
}

/** Every code a WechatXmlError can carry. */
export const XML_ERROR_CODES = [
  'XML_TOO_LARGE',
  'XML_MALFORMED',
  'XML_ENTITY_FORBIDDEN',
  'XML_TOO_DEEP',
  'XML_MISSING_FIELD',
] as const;

/** One of XML_ERROR_CODES. */
export type XmlErrorCode = (typeof XML_ERROR_CODES)[number];

/** A push body that was refused; `code` says why (size, markup, declaration, depth, field). */
export class WechatXmlError extends Error {
  readonly code: XmlErrorCode;

  constructor(code: XmlErrorCode, message: string) {
    super(message);
    this.name = 'WechatXmlError';
    this.code = code;
  }
}
