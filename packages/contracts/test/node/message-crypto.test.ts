import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  decryptMessage,
  encryptMessage,
  parseEncodingAesKey,
  parsePushXml,
  verifyMsgSignature,
  WechatCryptoError,
} from '../../src/node';
import { cryptoCode, flipBase64Byte } from './helpers';
import { MSG_CRYPT_SAMPLE as M } from './vectors';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const aesKeyArb = fc
  .array(fc.constantFrom(...ALPHABET.split('')), { minLength: 43, maxLength: 43 })
  .map((chars) => chars.join(''));
const otherKey = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';

/** Decrypts with the raw key, returning the padded plaintext (to inspect the layout). */
function rawPlaintext(encryptB64: string, key43: string): Buffer {
  const key = Buffer.from(`${key43}=`, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  return Buffer.concat([decipher.update(Buffer.from(encryptB64, 'base64')), decipher.final()]);
}

describe('decryptMessage: official WXBizMsgCrypt sample', () => {
  it('verifies msg_signature and decrypts to the sample text message', () => {
    expect(
      verifyMsgSignature({
        token: M.token,
        timestamp: M.timestamp,
        nonce: M.nonce,
        encrypt: M.encrypt,
        signature: M.msgSignature,
      }),
    ).toBe(true);
    const result = decryptMessage(M.encrypt, { aesKeys: [M.encodingAesKey], appid: M.appid });
    expect(result.appid).toBe(M.appid);
    expect(result.keyIndex).toBe(0);
    const message = parsePushXml(result.xml);
    expect(message).toMatchObject({
      type: 'message',
      toUserName: M.toUserName,
      fromUserName: M.fromUserName,
      createTime: M.createTime,
      msgType: 'text',
      content: M.content,
      msgId: M.msgId,
    });
  });

  it('finds the key during a rotation and reports which one worked', () => {
    const previous = decryptMessage(M.encrypt, {
      aesKeys: [otherKey, M.encodingAesKey],
      appid: M.appid,
    });
    expect(previous.keyIndex).toBe(1);
    const current = decryptMessage(M.encrypt, {
      aesKeys: [M.encodingAesKey, otherKey],
      appid: M.appid,
    });
    expect(current.keyIndex).toBe(0);
    expect(previous.xml).toBe(current.xml);
  });

  it('wrong appid → APPID_MISMATCH (whichever position the failing other key has)', () => {
    expect(
      cryptoCode(() =>
        decryptMessage(M.encrypt, { aesKeys: [M.encodingAesKey, otherKey], appid: 'wxother' }),
      ),
    ).toBe('APPID_MISMATCH');
    expect(
      cryptoCode(() =>
        decryptMessage(M.encrypt, { aesKeys: [M.encodingAesKey], appid: 'wx0000000000000000' }),
      ),
    ).toBe('APPID_MISMATCH');
    expect(
      cryptoCode(() =>
        decryptMessage(M.encrypt, { aesKeys: [otherKey, M.encodingAesKey], appid: 'wxother' }),
      ),
    ).toBe('APPID_MISMATCH');
  });

  it('only wrong keys → DECRYPT_FAILED or INVALID_MESSAGE_LENGTH, never a bare exception', () => {
    fc.assert(
      fc.property(aesKeyArb, (key) => {
        fc.pre(key !== M.encodingAesKey);
        const code = cryptoCode(() =>
          decryptMessage(M.encrypt, { aesKeys: [key], appid: M.appid }),
        );
        expect(['DECRYPT_FAILED', 'INVALID_MESSAGE_LENGTH', 'APPID_MISMATCH']).toContain(code);
      }),
      { numRuns: 100 },
    );
  });
});

describe('encryptMessage', () => {
  it('lays out random16 ‖ uint32be length ‖ msg ‖ appid, padded to 32-byte blocks', () => {
    const random16 = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const xml = '<xml>你好</xml>';
    const encrypted = encryptMessage(xml, { aesKey: M.encodingAesKey, appid: M.appid, random16 });
    const plain = rawPlaintext(encrypted, M.encodingAesKey);
    const msg = Buffer.from(xml, 'utf8');
    const body = 16 + 4 + msg.length + M.appid.length;
    const pad = 32 - (body % 32);
    expect(plain.length).toBe(body + pad);
    expect(plain.length % 32).toBe(0);
    expect(plain.subarray(0, 16)).toEqual(random16);
    expect(plain.readUInt32BE(16)).toBe(msg.length);
    expect(plain.subarray(20, 20 + msg.length).toString('utf8')).toBe(xml);
    expect(plain.subarray(20 + msg.length, body).toString()).toBe(M.appid);
    expect([...plain.subarray(body)]).toEqual(Array(pad).fill(pad));
  });

  it('pads a block-aligned plaintext with a full 32-byte block (pad value 32)', () => {
    // 16 + 4 + 26 + 18 (appid) = 64 bytes: exactly two blocks before padding.
    const xml = 'x'.repeat(64 - 16 - 4 - M.appid.length);
    const plain = rawPlaintext(
      encryptMessage(xml, { aesKey: M.encodingAesKey, appid: M.appid }),
      M.encodingAesKey,
    );
    expect(plain.length).toBe(96);
    expect([...plain.subarray(64)]).toEqual(Array(32).fill(32));
  });

  it('uses fresh random bytes unless pinned', () => {
    const a = encryptMessage('<xml/>', { aesKey: M.encodingAesKey, appid: M.appid });
    const b = encryptMessage('<xml/>', { aesKey: M.encodingAesKey, appid: M.appid });
    expect(a).not.toBe(b);
    const random16 = randomBytes(16);
    expect(encryptMessage('<xml/>', { aesKey: M.encodingAesKey, appid: M.appid, random16 })).toBe(
      encryptMessage('<xml/>', { aesKey: M.encodingAesKey, appid: M.appid, random16 }),
    );
  });

  it('rejects a random16 of the wrong size and a bad key', () => {
    expect(() =>
      encryptMessage('<xml/>', {
        aesKey: M.encodingAesKey,
        appid: M.appid,
        random16: Buffer.alloc(15),
      }),
    ).toThrow(RangeError);
    expect(cryptoCode(() => encryptMessage('<xml/>', { aesKey: 'short', appid: M.appid }))).toBe(
      'INVALID_AES_KEY',
    );
  });
});

describe('message crypto properties', () => {
  it('round-trips any UTF-8 message, including empty and lengths around 31/32/33 bytes', () => {
    const message = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc.integer({ min: 0, max: 100 }).map((n) => 'm'.repeat(n)),
      // Total plaintext of 63/64/65 bytes (around a 32-byte boundary) with the 18-byte appid.
      fc.constantFrom(
        '',
        'a'.repeat(31),
        'b'.repeat(32),
        'c'.repeat(33),
        'd'.repeat(25),
        'e'.repeat(26),
        'f'.repeat(27),
      ),
    );
    const appid = fc.string({ minLength: 1, maxLength: 32 });
    fc.assert(
      fc.property(message, aesKeyArb, appid, (xml, aesKey, id) => {
        const encrypted = encryptMessage(xml, { aesKey, appid: id });
        expect(Buffer.from(encrypted, 'base64').length % 32).toBe(0);
        expect(decryptMessage(encrypted, { aesKeys: [aesKey], appid: id })).toEqual({
          xml,
          appid: id,
          keyIndex: 0,
        });
      }),
    );
  });

  it('tampering with any ciphertext byte never silently yields the original message', () => {
    const xml = '<xml><Content><![CDATA[hello]]></Content></xml>';
    const encrypted = encryptMessage(xml, { aesKey: M.encodingAesKey, appid: M.appid });
    const length = Buffer.from(encrypted, 'base64').length;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (index, mask) => {
          const tampered = flipBase64Byte(encrypted, index, mask);
          try {
            const result = decryptMessage(tampered, {
              aesKeys: [M.encodingAesKey],
              appid: M.appid,
            });
            expect(result.xml).not.toBe(xml);
          } catch (error) {
            expect(error).toBeInstanceOf(WechatCryptoError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decryptMessage: bad input', () => {
  const opts = { aesKeys: [M.encodingAesKey], appid: M.appid };
  /** Encrypts an arbitrary (already laid out) plaintext with correct 32-byte padding. */
  const encryptRaw = (plain: Buffer): string => {
    const key = parseEncodingAesKey(M.encodingAesKey);
    const pad = 32 - (plain.length % 32);
    const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
  };

  it.each([
    ['non-base64 characters', `${M.encrypt.slice(0, 10)}*${M.encrypt.slice(11)}`],
    ['missing padding', M.encrypt.slice(0, -1)],
    ['not a string', 42],
  ])('Encrypt with %s → INVALID_BASE64', (_name, encrypt) => {
    expect(cryptoCode(() => decryptMessage(encrypt as string, opts))).toBe('INVALID_BASE64');
  });

  it('truncated or empty ciphertext → DECRYPT_FAILED', () => {
    const bytes = Buffer.from(M.encrypt, 'base64');
    for (const cut of [0, 15, 17, 32, bytes.length - 1]) {
      const truncated = bytes.subarray(0, cut).toString('base64');
      expect(cryptoCode(() => decryptMessage(truncated, opts))).toMatch(
        /^(DECRYPT_FAILED|INVALID_MESSAGE_LENGTH)$/,
      );
    }
    expect(cryptoCode(() => decryptMessage('', opts))).toBe('DECRYPT_FAILED');
    expect(cryptoCode(() => decryptMessage(bytes.subarray(0, 17).toString('base64'), opts))).toBe(
      'DECRYPT_FAILED',
    );
  });

  it('padding of 16-byte style (value > 32, or inconsistent bytes) → DECRYPT_FAILED', () => {
    const key = parseEncodingAesKey(M.encodingAesKey);
    const encryptPadded = (padded: Buffer): string => {
      const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
      cipher.setAutoPadding(false);
      return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
    };
    const body = Buffer.alloc(32, 0x41);
    expect(
      cryptoCode(() =>
        decryptMessage(encryptPadded(Buffer.concat([body, Buffer.alloc(32, 33)])), opts),
      ),
    ).toBe('DECRYPT_FAILED');
    expect(
      cryptoCode(() =>
        decryptMessage(encryptPadded(Buffer.concat([body, Buffer.alloc(32, 0)])), opts),
      ),
    ).toBe('DECRYPT_FAILED');
    const inconsistent = Buffer.concat([body, Buffer.alloc(32, 4)]);
    inconsistent[61] = 5;
    expect(cryptoCode(() => decryptMessage(encryptPadded(inconsistent), opts))).toBe(
      'DECRYPT_FAILED',
    );
  });

  it('a declared length beyond the payload, or a too-short payload → INVALID_MESSAGE_LENGTH', () => {
    const header = Buffer.alloc(20);
    header.writeUInt32BE(1000, 16);
    expect(
      cryptoCode(() =>
        decryptMessage(encryptRaw(Buffer.concat([header, Buffer.from(M.appid)])), opts),
      ),
    ).toBe('INVALID_MESSAGE_LENGTH');
    expect(cryptoCode(() => decryptMessage(encryptRaw(Buffer.alloc(19)), opts))).toBe(
      'INVALID_MESSAGE_LENGTH',
    );
  });

  it('non-UTF-8 message or appid bytes → DECRYPT_FAILED', () => {
    const header = Buffer.alloc(20);
    header.writeUInt32BE(2, 16);
    expect(
      cryptoCode(() =>
        decryptMessage(
          encryptRaw(Buffer.concat([header, Buffer.from([0xc3, 0x28]), Buffer.from(M.appid)])),
          opts,
        ),
      ),
    ).toBe('DECRYPT_FAILED');
  });

  it('no keys or a malformed key → INVALID_AES_KEY', () => {
    expect(cryptoCode(() => decryptMessage(M.encrypt, { aesKeys: [], appid: M.appid }))).toBe(
      'INVALID_AES_KEY',
    );
    expect(
      cryptoCode(() =>
        decryptMessage(M.encrypt, { aesKeys: [M.encodingAesKey, 'x'], appid: M.appid }),
      ),
    ).toBe('INVALID_AES_KEY');
  });
});

describe('parseEncodingAesKey', () => {
  it('decodes the sample key (non-canonical trailing bits included) to 32 bytes', () => {
    const key = parseEncodingAesKey(M.encodingAesKey);
    expect(key.length).toBe(32);
    expect(key.toString('base64').slice(0, 42)).toBe(M.encodingAesKey.slice(0, 42));
  });

  it.each([
    ['42 characters', M.encodingAesKey.slice(1)],
    ['44 characters', `${M.encodingAesKey}A`],
    ['the 44-character padded form', `${M.encodingAesKey}=`],
    ['a non-base64 character', `${M.encodingAesKey.slice(0, 42)}-`],
    ['whitespace', ` ${M.encodingAesKey.slice(1)}`],
    ['a non-string', undefined],
  ])('rejects %s → INVALID_AES_KEY', (_name, key) => {
    expect(cryptoCode(() => parseEncodingAesKey(key as string))).toBe('INVALID_AES_KEY');
  });
});
