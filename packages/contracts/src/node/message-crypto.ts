/**
 * Official-account safe-mode message crypto (消息加解密, the WXBizMsgCrypt scheme).
 *
 * - AES key = base64decode(EncodingAESKey + '='): 43 chars → 32 bytes (AES-256-CBC).
 * - IV = the first 16 bytes of the AES key.
 * - plaintext = 16 random bytes ‖ uint32 big-endian byte length of msg ‖ msg ‖ appid,
 *   PKCS#7-padded to a multiple of 32 bytes (pad value 1..32, not 16).
 *
 * Decrypt only after verifying msg_signature: CBC without a MAC must not be
 * run on unauthenticated input, or padding errors become an oracle.
 */
import { randomBytes } from 'node:crypto';
import { aesCbcDecrypt, aesCbcEncrypt, decodeUtf8, pkcs7Pad, pkcs7Unpad } from './aes-cbc';
import { decodeBase64Strict } from './base64';
import { WechatCryptoError } from './errors';

const BLOCK = 32;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const HEADER_BYTES = RANDOM_BYTES + LENGTH_BYTES;
// The key is 43 base64 characters; the missing '=' is appended before decoding.
const ENCODING_AES_KEY = /^[A-Za-z0-9+/]{43}$/;

/**
 * Validates a 43-character EncodingAESKey and returns the 32-byte AES key.
 * Unused trailing bits are tolerated: WeChat's own sample key
 * ("…0123456789ABCDEFG") is not canonical base64.
 */
export function parseEncodingAesKey(key43: string): Buffer {
  if (typeof key43 !== 'string' || !ENCODING_AES_KEY.test(key43)) {
    throw new WechatCryptoError('INVALID_AES_KEY', 'EncodingAESKey must be 43 base64 characters');
  }
  return Buffer.from(`${key43}=`, 'base64');
}

// The configured keys (current and previous, per account) are few and fixed:
// decoded once, not per push. Bounded in case a caller passes many.
const decodedKeys = new Map<string, Buffer>();

function aesKeyOf(key43: string): Buffer {
  const cached = decodedKeys.get(key43);
  if (cached !== undefined) return cached;
  const key = parseEncodingAesKey(key43);
  if (decodedKeys.size < 64) decodedKeys.set(key43, key);
  return key;
}

/** Keys and expected appid for decryptMessage. */
export interface DecryptMessageOptions {
  /** EncodingAESKeys to try: the current one first, then the previous one during a rotation. */
  aesKeys: readonly string[];
  /** The official account's appid the message must be addressed to. */
  appid: string;
}

/** The inner XML of a safe-mode push, with the appid it named and the key that opened it. */
export interface DecryptedMessage {
  xml: string;
  appid: string;
  /** Index in `aesKeys` of the key that worked (0 = current). */
  keyIndex: number;
}

interface Opened {
  xml: string;
  appid: string;
}

function openWithKey(ciphertext: Buffer, key: Buffer): Opened {
  const padded = aesCbcDecrypt('aes-256-cbc', key, key.subarray(0, 16), ciphertext);
  const plain = pkcs7Unpad(padded, BLOCK);
  if (plain.length < HEADER_BYTES) {
    throw new WechatCryptoError('INVALID_MESSAGE_LENGTH', 'decrypted message is too short');
  }
  const msgLength = plain.readUInt32BE(RANDOM_BYTES);
  if (msgLength > plain.length - HEADER_BYTES) {
    throw new WechatCryptoError(
      'INVALID_MESSAGE_LENGTH',
      'decrypted message length exceeds the payload',
    );
  }
  const xml = decodeUtf8(plain.subarray(HEADER_BYTES, HEADER_BYTES + msgLength));
  const appid = decodeUtf8(plain.subarray(HEADER_BYTES + msgLength));
  if (xml === null || appid === null) {
    throw new WechatCryptoError('DECRYPT_FAILED', 'decrypted message is not UTF-8');
  }
  return { xml, appid };
}

// When every key fails, report the failure that got furthest: a key that
// decrypted cleanly but named another appid says more than bad padding.
const FAILURE_ORDER: readonly WechatCryptoError['code'][] = [
  'DECRYPT_FAILED',
  'INVALID_MESSAGE_LENGTH',
  'APPID_MISMATCH',
];

function rank(error: WechatCryptoError): number {
  return FAILURE_ORDER.indexOf(error.code);
}

/**
 * Decrypts the <Encrypt> value of a safe-mode push with the first key that
 * yields a well-formed message for `appid`.
 */
export function decryptMessage(
  encryptB64: string,
  options: DecryptMessageOptions,
): DecryptedMessage {
  const keys = options.aesKeys.map(aesKeyOf);
  if (keys.length === 0) {
    throw new WechatCryptoError('INVALID_AES_KEY', 'no EncodingAESKey configured');
  }
  const ciphertext = decodeBase64Strict(encryptB64, 'Encrypt');
  let failure: WechatCryptoError | undefined;
  for (const [keyIndex, key] of keys.entries()) {
    try {
      const opened = openWithKey(ciphertext, key);
      if (opened.appid !== options.appid) {
        throw new WechatCryptoError('APPID_MISMATCH', 'message appid does not match');
      }
      return { ...opened, keyIndex };
    } catch (error) {
      /* istanbul ignore next -- only typed errors are thrown above */
      if (!(error instanceof WechatCryptoError)) throw error;
      if (failure === undefined || rank(error) > rank(failure)) failure = error;
    }
  }
  throw failure as WechatCryptoError;
}

/** Key, appid and (for tests) the random prefix for encryptMessage. */
export interface EncryptMessageOptions {
  /** The 43-character EncodingAESKey. */
  aesKey: string;
  appid: string;
  /** The 16 random leading bytes; fresh CSPRNG bytes unless given (tests pin them). */
  random16?: Buffer;
}

/** Encrypts a reply or push the way WeChat does; returns the base64 <Encrypt> value. */
export function encryptMessage(xml: string, options: EncryptMessageOptions): string {
  const key = parseEncodingAesKey(options.aesKey);
  const random = options.random16 ?? randomBytes(RANDOM_BYTES);
  if (random.length !== RANDOM_BYTES) {
    throw new RangeError('random16 must be exactly 16 bytes');
  }
  const msg = Buffer.from(xml, 'utf8');
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(msg.length, 0);
  const plain = Buffer.concat([random, length, msg, Buffer.from(options.appid, 'utf8')]);
  return aesCbcEncrypt('aes-256-cbc', key, key.subarray(0, 16), pkcs7Pad(plain, BLOCK)).toString(
    'base64',
  );
}
