import { pkcs7Pad, pkcs7Unpad } from '../../src/node/aes-cbc';
import { decodeBase64Strict } from '../../src/node/base64';
import { hexDigestEquals } from '../../src/node/compare';
import {
  CRYPTO_ERROR_CODES,
  WechatCryptoError,
  WechatXmlError,
  XML_ERROR_CODES,
} from '../../src/node';
import { cryptoCode } from './helpers';

describe('pkcs7', () => {
  it.each([16, 32])('pads to %i-byte blocks with 1..blockSize bytes and unpads back', (block) => {
    for (let n = 0; n <= 2 * block + 1; n++) {
      const data = Buffer.alloc(n, 7);
      const padded = pkcs7Pad(data, block);
      expect(padded.length % block).toBe(0);
      const pad = padded.length - n;
      expect(pad).toBeGreaterThanOrEqual(1);
      expect(pad).toBeLessThanOrEqual(block);
      expect(pkcs7Unpad(padded, block)).toEqual(data);
    }
  });

  it('rejects empty input, zero, oversized and inconsistent padding', () => {
    expect(cryptoCode(() => pkcs7Unpad(Buffer.alloc(0), 16))).toBe('DECRYPT_FAILED');
    expect(cryptoCode(() => pkcs7Unpad(Buffer.alloc(16, 0), 16))).toBe('DECRYPT_FAILED');
    expect(cryptoCode(() => pkcs7Unpad(Buffer.alloc(16, 17), 16))).toBe('DECRYPT_FAILED');
    expect(cryptoCode(() => pkcs7Unpad(Buffer.from([3, 3]), 16))).toBe('DECRYPT_FAILED');
    expect(cryptoCode(() => pkcs7Unpad(Buffer.from([9, 2, 3, 3]), 16))).toBe('DECRYPT_FAILED');
    // 32 is a valid pad value for 32-byte blocks only.
    expect(cryptoCode(() => pkcs7Unpad(Buffer.alloc(32, 32), 16))).toBe('DECRYPT_FAILED');
    expect(pkcs7Unpad(Buffer.alloc(32, 32), 32).length).toBe(0);
  });
});

describe('decodeBase64Strict', () => {
  it('decodes canonical padded base64 of every length remainder', () => {
    expect(decodeBase64Strict('', 'x')).toEqual(Buffer.alloc(0));
    expect(decodeBase64Strict('YQ==', 'x').toString()).toBe('a');
    expect(decodeBase64Strict('YWI=', 'x').toString()).toBe('ab');
    expect(decodeBase64Strict('YWJj', 'x').toString()).toBe('abc');
  });

  it.each(['YQ', 'YQ=', 'YR==', 'Y===', 'YW J', 'YWJj\n', '-_-_', 'YWJj====', 'Y'])(
    'rejects %p',
    (input) => {
      expect(cryptoCode(() => decodeBase64Strict(input, 'x'))).toBe('INVALID_BASE64');
    },
  );

  it('names the field, never the value, in its message', () => {
    try {
      decodeBase64Strict('secret!value', 'session_key');
    } catch (error) {
      expect((error as Error).message).toContain('session_key');
      expect((error as Error).message).not.toContain('secret!value');
    }
    expect.assertions(2);
  });
});

describe('hexDigestEquals', () => {
  const digest = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';
  it('compares case-insensitively and only equal-length hex', () => {
    expect(hexDigestEquals(digest, digest)).toBe(true);
    expect(hexDigestEquals(digest, digest.toUpperCase())).toBe(true);
    expect(hexDigestEquals(digest, digest.replace('a', 'b'))).toBe(false);
    expect(hexDigestEquals(digest, digest.slice(2))).toBe(false);
    expect(hexDigestEquals(digest, `${digest.slice(0, 39)}x`)).toBe(false);
    expect(hexDigestEquals(digest, null)).toBe(false);
  });
});

describe('error classes', () => {
  it('carry a stable code and name', () => {
    const crypto = new WechatCryptoError('APPID_MISMATCH', 'm');
    expect(crypto).toBeInstanceOf(Error);
    expect([crypto.name, crypto.code, crypto.message]).toEqual([
      'WechatCryptoError',
      'APPID_MISMATCH',
      'm',
    ]);
    const xml = new WechatXmlError('XML_TOO_DEEP', 'd');
    expect([xml.name, xml.code]).toEqual(['WechatXmlError', 'XML_TOO_DEEP']);
    expect(CRYPTO_ERROR_CODES).toHaveLength(12);
    expect(XML_ERROR_CODES).toHaveLength(5);
  });
});
