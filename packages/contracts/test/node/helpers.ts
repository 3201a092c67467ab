import { WechatCryptoError, WechatXmlError } from '../../src/node';
import type { CryptoErrorCode, XmlErrorCode } from '../../src/node';

/** Runs `fn` and returns the code of the typed crypto error it throws (fails otherwise). */
export function cryptoCode(fn: () => unknown): CryptoErrorCode {
  try {
    fn();
  } catch (error) {
    if (error instanceof WechatCryptoError) return error.code;
    throw error;
  }
  throw new Error('expected a WechatCryptoError, nothing was thrown');
}

export function xmlCode(fn: () => unknown): XmlErrorCode {
  try {
    fn();
  } catch (error) {
    if (error instanceof WechatXmlError) return error.code;
    throw error;
  }
  throw new Error('expected a WechatXmlError, nothing was thrown');
}

/** Flips one bit of byte `index` of a base64 string and re-encodes it. */
export function flipBase64Byte(b64: string, index: number, mask = 0x01): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index] = (bytes[index] as number) ^ mask;
  return bytes.toString('base64');
}
