import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  checkWatermark,
  decryptUserData,
  encryptUserData,
  openUserData,
  verifyRawDataSignature,
  WechatCryptoError,
} from '../../src/node';
import { cryptoCode, flipBase64Byte } from './helpers';
import { RAW_DATA_SIGNATURE_SAMPLE, USER_DATA_SAMPLE } from './vectors';

const S = USER_DATA_SAMPLE;
const sampleNow = new Date((S.watermarkTimestamp + 60) * 1000);

const b64 = (bytes: number): string => randomBytes(bytes).toString('base64');

describe('decryptUserData: official WXBizDataCrypt vector', () => {
  it('decrypts the sample to nickName "Band" with its openId and unionId', () => {
    const data = decryptUserData(S.encryptedData, S.iv, S.sessionKey) as Record<string, unknown>;
    expect(data).toMatchObject({
      openId: S.openId,
      nickName: S.nickName,
      unionId: S.unionId,
      avatarUrl: S.avatarUrl,
      gender: 1,
      watermark: { appid: S.appid, timestamp: S.watermarkTimestamp },
    });
  });

  it('re-encrypting the decrypted sample gives back the official ciphertext', () => {
    const data = decryptUserData(S.encryptedData, S.iv, S.sessionKey);
    expect(encryptUserData(data, S.sessionKey, S.iv)).toBe(S.encryptedData);
  });
});

describe('decryptUserData: bad input', () => {
  it.each([
    ['non-base64 character', S.encryptedData.replace('C', '*')],
    ['URL-safe alphabet', S.encryptedData.replace(/\+/g, '-')],
    ['missing padding', S.encryptedData.replace(/=+$/, '')],
    ['embedded whitespace', `${S.encryptedData.slice(0, 10)}\n${S.encryptedData.slice(10)}`],
    ['non-canonical trailing bits', S.encryptedData.replace(/w==$/, 'x==')],
  ])('encryptedData with %s → INVALID_BASE64', (_name, encryptedData) => {
    expect(cryptoCode(() => decryptUserData(encryptedData, S.iv, S.sessionKey))).toBe(
      'INVALID_BASE64',
    );
  });

  it('bad base64 in iv or session_key → INVALID_BASE64', () => {
    expect(
      cryptoCode(() => decryptUserData(S.encryptedData, 'r7BXXKkLb8qrSNn05n0qi!==', S.sessionKey)),
    ).toBe('INVALID_BASE64');
    expect(cryptoCode(() => decryptUserData(S.encryptedData, S.iv, 'tiihtNczf5v6AKRyjwEUhQ'))).toBe(
      'INVALID_BASE64',
    );
    expect(cryptoCode(() => decryptUserData(S.encryptedData, S.iv, 42 as unknown as string))).toBe(
      'INVALID_BASE64',
    );
  });

  it.each([0, 8, 15, 17, 24, 32])('session_key of %i bytes → INVALID_KEY_LENGTH', (n) => {
    expect(cryptoCode(() => decryptUserData(S.encryptedData, S.iv, b64(n)))).toBe(
      'INVALID_KEY_LENGTH',
    );
  });

  it.each([0, 12, 15, 17, 32])('iv of %i bytes → INVALID_IV_LENGTH', (n) => {
    expect(cryptoCode(() => decryptUserData(S.encryptedData, b64(n), S.sessionKey))).toBe(
      'INVALID_IV_LENGTH',
    );
  });

  it('truncated or empty ciphertext → DECRYPT_FAILED', () => {
    const bytes = Buffer.from(S.encryptedData, 'base64');
    for (const cut of [0, 5, 16, bytes.length - 1, bytes.length - 16]) {
      const truncated = bytes.subarray(0, cut).toString('base64');
      expect(cryptoCode(() => decryptUserData(truncated, S.iv, S.sessionKey))).toBe(
        'DECRYPT_FAILED',
      );
    }
  });

  it('wrong session_key → typed error (bad padding or not JSON), never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (key) => {
        const code = cryptoCode(() =>
          decryptUserData(S.encryptedData, S.iv, Buffer.from(key).toString('base64')),
        );
        expect(['DECRYPT_FAILED', 'INVALID_JSON']).toContain(code);
      }),
      { numRuns: 50 },
    );
  });

  it('valid padding around non-JSON or non-UTF-8 plaintext → INVALID_JSON', () => {
    const key = b64(16);
    const iv = b64(16);
    expect(cryptoCode(() => decryptUserData(encryptUserData('not json', key, iv), iv, key))).toBe(
      'INVALID_JSON',
    );
    // Correct padding (14 × 0x0e) behind two bytes that are never valid UTF-8.
    const invalidUtf8 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.alloc(14, 14)]);
    const cipher = createCipheriv(
      'aes-128-cbc',
      Buffer.from(key, 'base64'),
      Buffer.from(iv, 'base64'),
    );
    cipher.setAutoPadding(false);
    const data = Buffer.concat([cipher.update(invalidUtf8), cipher.final()]).toString('base64');
    expect(cryptoCode(() => decryptUserData(data, iv, key))).toBe('INVALID_JSON');
  });
});

describe('decryptUserData / encryptUserData properties', () => {
  const keyArb = fc
    .uint8Array({ minLength: 16, maxLength: 16 })
    .map((k) => Buffer.from(k).toString('base64'));

  it('round-trips any UTF-8 string, including empty and block-boundary lengths', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.integer({ min: 0, max: 70 }).map((n) => 'x'.repeat(n)),
      fc.constantFrom(
        '',
        'a'.repeat(15),
        'b'.repeat(16),
        'c'.repeat(17),
        'd'.repeat(31),
        'e'.repeat(32),
        'f'.repeat(33),
      ),
    );
    fc.assert(
      fc.property(text, keyArb, keyArb, (value, key, iv) => {
        const payload = { value };
        expect(decryptUserData(encryptUserData(payload, key, iv), iv, key)).toEqual(payload);
      }),
    );
  });

  it('ciphertext length is always a whole number of 16-byte blocks with 1..16 bytes of padding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70 }), keyArb, keyArb, (n, key, iv) => {
        const text = 'z'.repeat(n);
        const bytes = Buffer.from(encryptUserData(text, key, iv), 'base64').length;
        expect(bytes % 16).toBe(0);
        expect(bytes - n).toBeGreaterThanOrEqual(1);
        expect(bytes - n).toBeLessThanOrEqual(16);
      }),
    );
  });

  it('tampering with any ciphertext byte never silently yields the original plaintext', () => {
    const key = b64(16);
    const iv = b64(16);
    const payload = { openId: 'o-1', nickName: 'n', avatarUrl: 'a', padding: 'x'.repeat(40) };
    const encrypted = encryptUserData(payload, key, iv);
    const length = Buffer.from(encrypted, 'base64').length;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (index, mask) => {
          const tampered = flipBase64Byte(encrypted, index, mask);
          let result: unknown;
          try {
            result = decryptUserData(tampered, iv, key);
          } catch (error) {
            expect(error).toBeInstanceOf(WechatCryptoError);
            return;
          }
          expect(result).not.toEqual(payload);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encryptUserData rejects bad keys and non-serialisable payloads', () => {
    expect(cryptoCode(() => encryptUserData({}, b64(8), b64(16)))).toBe('INVALID_KEY_LENGTH');
    expect(cryptoCode(() => encryptUserData({}, b64(16), b64(8)))).toBe('INVALID_IV_LENGTH');
    expect(() => encryptUserData(undefined, b64(16), b64(16))).toThrow(TypeError);
  });
});

describe('verifyRawDataSignature', () => {
  const R = RAW_DATA_SIGNATURE_SAMPLE;

  it('accepts the official rawData signature example', () => {
    expect(() => verifyRawDataSignature(R.rawData, R.signature, R.sessionKey)).not.toThrow();
    expect(() =>
      verifyRawDataSignature(R.rawData, R.signature.toUpperCase(), R.sessionKey),
    ).not.toThrow();
  });

  it.each([
    ['a different signature', R.signature.replace(/^7/, '8')],
    ['a truncated signature', R.signature.slice(0, 39)],
    ['a longer signature', `${R.signature}00`],
    ['non-hex characters', `${R.signature.slice(0, 39)}g`],
    ['an empty signature', ''],
    ['a non-string signature', 123 as unknown as string],
  ])('rejects %s → SIGNATURE_MISMATCH', (_name, signature) => {
    expect(cryptoCode(() => verifyRawDataSignature(R.rawData, signature, R.sessionKey))).toBe(
      'SIGNATURE_MISMATCH',
    );
  });

  it('rejects altered rawData, another session_key, and non-string rawData', () => {
    expect(
      cryptoCode(() => verifyRawDataSignature(`${R.rawData} `, R.signature, R.sessionKey)),
    ).toBe('SIGNATURE_MISMATCH');
    expect(cryptoCode(() => verifyRawDataSignature(R.rawData, R.signature, S.sessionKey))).toBe(
      'SIGNATURE_MISMATCH',
    );
    expect(
      cryptoCode(() =>
        verifyRawDataSignature(null as unknown as string, R.signature, R.sessionKey),
      ),
    ).toBe('SIGNATURE_MISMATCH');
  });

  it('rejects a malformed session_key before comparing', () => {
    expect(cryptoCode(() => verifyRawDataSignature(R.rawData, R.signature, 'n%pe'))).toBe(
      'INVALID_BASE64',
    );
    expect(cryptoCode(() => verifyRawDataSignature(R.rawData, R.signature, b64(12)))).toBe(
      'INVALID_KEY_LENGTH',
    );
  });
});

describe('checkWatermark', () => {
  const base = { watermark: { appid: S.appid, timestamp: 1_700_000_000 } };
  const at = (seconds: number): Date => new Date(seconds * 1000);

  it('accepts data within maxAgeSeconds either side of now, and any age when maxAge is 0', () => {
    // Accepting means returning the watermark it checked (a throw fails these too).
    expect(
      checkWatermark(base, { appid: S.appid, now: at(1_700_000_300), maxAgeSeconds: 300 }),
    ).toEqual(base.watermark);
    expect(
      checkWatermark(base, { appid: S.appid, now: at(1_699_999_700), maxAgeSeconds: 300 }),
    ).toEqual(base.watermark);
    expect(
      checkWatermark(base, { appid: S.appid, now: at(2_000_000_000), maxAgeSeconds: 0 }),
    ).toEqual(base.watermark);
  });

  it('expired or future-dated watermark → WATERMARK_EXPIRED', () => {
    expect(
      cryptoCode(() =>
        checkWatermark(base, { appid: S.appid, now: at(1_700_000_301), maxAgeSeconds: 300 }),
      ),
    ).toBe('WATERMARK_EXPIRED');
    expect(
      cryptoCode(() =>
        checkWatermark(base, { appid: S.appid, now: at(1_699_999_699), maxAgeSeconds: 300 }),
      ),
    ).toBe('WATERMARK_EXPIRED');
  });

  it('the official sample is expired under a realistic max age', () => {
    const data = decryptUserData(S.encryptedData, S.iv, S.sessionKey);
    expect(
      cryptoCode(() =>
        checkWatermark(data, {
          appid: S.appid,
          now: new Date('2024-01-01T00:00:00Z'),
          maxAgeSeconds: 600,
        }),
      ),
    ).toBe('WATERMARK_EXPIRED');
    expect(() =>
      checkWatermark(data, { appid: S.appid, now: sampleNow, maxAgeSeconds: 600 }),
    ).not.toThrow();
  });

  it('wrong appid → APPID_MISMATCH, even with the age check disabled', () => {
    expect(
      cryptoCode(() =>
        checkWatermark(base, {
          appid: 'wx0000000000000000',
          now: at(1_700_000_000),
          maxAgeSeconds: 0,
        }),
      ),
    ).toBe('APPID_MISMATCH');
  });

  it.each([
    ['no object', null],
    ['a string', 'data'],
    ['no watermark', { openId: 'x' }],
    ['an array watermark', { watermark: [] }],
    ['no appid', { watermark: { timestamp: 1 } }],
    ['a numeric appid', { watermark: { appid: 1, timestamp: 1 } }],
    ['a string timestamp', { watermark: { appid: S.appid, timestamp: '1700000000' } }],
    ['a NaN timestamp', { watermark: { appid: S.appid, timestamp: Number.NaN } }],
  ])('%s → WATERMARK_MISSING', (_name, data) => {
    expect(
      cryptoCode(() => checkWatermark(data, { appid: S.appid, now: at(1), maxAgeSeconds: 0 })),
    ).toBe('WATERMARK_MISSING');
  });

  it('rejects a negative or non-finite maxAgeSeconds as a programming error', () => {
    expect(() => checkWatermark(base, { appid: S.appid, now: at(1), maxAgeSeconds: -1 })).toThrow(
      RangeError,
    );
    expect(() =>
      checkWatermark(base, { appid: S.appid, now: at(1), maxAgeSeconds: Number.NaN }),
    ).toThrow(RangeError);
  });
});

describe('openUserData', () => {
  // The sample has no rawData of its own; sign one with the sample key as WeChat would.
  const rawData = JSON.stringify({ nickName: S.nickName, gender: 1 });
  const signature = createHash('sha1')
    .update(rawData + S.sessionKey)
    .digest('hex');
  const input = {
    rawData,
    signature,
    encryptedData: S.encryptedData,
    iv: S.iv,
    sessionKey: S.sessionKey,
    appid: S.appid,
    openid: S.openId,
    now: sampleNow,
    maxAgeSeconds: 300,
  };

  it('opens the official sample into a typed DecryptedUserInfo', () => {
    expect(openUserData(input)).toEqual({
      openId: S.openId,
      nickName: 'Band',
      avatarUrl: S.avatarUrl,
      gender: 1,
      language: 'zh_CN',
      city: 'Guangzhou',
      province: 'Guangdong',
      country: 'CN',
      unionId: S.unionId,
      watermark: { appid: S.appid, timestamp: S.watermarkTimestamp },
    });
    expect(openUserData({ ...input, now: new Date(), maxAgeSeconds: 0 }).nickName).toBe('Band');
  });

  it('maps each failed check to its code', () => {
    expect(cryptoCode(() => openUserData({ ...input, signature: '0'.repeat(40) }))).toBe(
      'SIGNATURE_MISMATCH',
    );
    expect(cryptoCode(() => openUserData({ ...input, appid: 'wx2c2769f8efd9abc2' }))).toBe(
      'APPID_MISMATCH',
    );
    expect(cryptoCode(() => openUserData({ ...input, now: new Date() }))).toBe('WATERMARK_EXPIRED');
    expect(cryptoCode(() => openUserData({ ...input, openid: 'oSomeoneElse' }))).toBe(
      'OPENID_MISMATCH',
    );
    expect(cryptoCode(() => openUserData({ ...input, iv: b64(16) }))).toMatch(
      /^(DECRYPT_FAILED|INVALID_JSON)$/,
    );
  });

  it('user data without a watermark → WATERMARK_MISSING; without openId etc. → INVALID_JSON', () => {
    const key = b64(16);
    const iv = b64(16);
    const sign = (raw: string): string =>
      createHash('sha1')
        .update(raw + key)
        .digest('hex');
    const open = (payload: unknown): unknown =>
      openUserData({
        ...input,
        sessionKey: key,
        iv,
        signature: sign(rawData),
        encryptedData: encryptUserData(payload, key, iv),
      });
    const watermark = { appid: S.appid, timestamp: S.watermarkTimestamp };
    expect(cryptoCode(() => open({ openId: S.openId, nickName: 'n', avatarUrl: 'a' }))).toBe(
      'WATERMARK_MISSING',
    );
    expect(cryptoCode(() => open({ nickName: 'n', avatarUrl: 'a', watermark }))).toBe(
      'INVALID_JSON',
    );
    expect(
      cryptoCode(() => open({ openId: S.openId, nickName: 1, avatarUrl: 'a', watermark })),
    ).toBe('INVALID_JSON');
    // Optional fields of the wrong type are dropped, not trusted.
    expect(
      open({ openId: S.openId, nickName: 'n', avatarUrl: 'a', gender: '1', unionId: 5, watermark }),
    ).toEqual({
      openId: S.openId,
      nickName: 'n',
      avatarUrl: 'a',
      watermark,
    });
  });
});
