/**
 * Mini-program open data: rawData signature, encryptedData decryption and
 * the watermark checks (官方文档「开放数据校验与解密」,
 * https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html).
 *
 * - signature = sha1(rawData + session_key), compared in constant time.
 * - encryptedData: AES-128-CBC, key = base64decode(session_key) (16 bytes),
 *   iv = base64decode(iv) (16 bytes), PKCS#7 padding to 16-byte blocks.
 * - the decrypted JSON carries watermark { appid, timestamp }.
 *
 * Callers should map DECRYPT_FAILED and INVALID_JSON to the same outward
 * answer, so a client cannot tell bad padding from bad JSON.
 */
import { createHash } from 'node:crypto';
import { aesCbcDecrypt, aesCbcEncrypt, decodeUtf8, pkcs7Pad, pkcs7Unpad } from './aes-cbc';
import { decodeBase64Bytes, decodeBase64Strict, decodeSessionKey } from './base64';
import { digestEqualsHex } from './compare';
import { WechatCryptoError } from './errors';

const IV_BYTES = 16;
const BLOCK = 16;

/** The watermark WeChat puts in decrypted open data. */
export interface Watermark {
  appid: string;
  /** Unix seconds at which WeChat produced the data. */
  timestamp: number;
}

/** The user-info payload of wx.getUserInfo / the getUserInfo button, after decryption. */
export interface DecryptedUserInfo {
  openId: string;
  nickName: string;
  avatarUrl: string;
  gender?: number;
  language?: string;
  city?: string;
  province?: string;
  country?: string;
  unionId?: string;
  watermark: Watermark;
}

/** What checkWatermark compares the watermark with. */
export interface WatermarkCheck {
  /** The mini-program appid the data must be issued for. */
  appid: string;
  now: Date;
  /** Largest accepted |now - watermark.timestamp|, in seconds; 0 disables the age check. */
  maxAgeSeconds: number;
}

/** The getUserInfo button's detail plus the session's key and openid, for openUserData. */
export interface OpenUserDataInput extends WatermarkCheck {
  rawData: string;
  signature: string;
  encryptedData: string;
  iv: string;
  /** base64 session_key from code2Session for this user. */
  sessionKey: string;
  /** The openid the server holds for the session; the payload must be about this user. */
  openid: string;
}

function decodeIv(ivB64: unknown): Buffer {
  return decodeBase64Bytes(ivB64, 'iv', IV_BYTES, 'INVALID_IV_LENGTH');
}

/**
 * Checks signature = sha1(rawData + session_key) in constant time; throws
 * SIGNATURE_MISMATCH (or INVALID_BASE64 / INVALID_KEY_LENGTH for a broken key).
 */
export function verifyRawDataSignature(
  rawData: string,
  signature: string,
  sessionKeyB64: string,
): void {
  decodeSessionKey(sessionKeyB64);
  if (typeof rawData !== 'string') {
    throw new WechatCryptoError('SIGNATURE_MISMATCH', 'rawData must be a string');
  }
  // WeChat signs the session_key string as sent (base64 text), not its bytes.
  const expected = createHash('sha1')
    .update(rawData + sessionKeyB64, 'utf8')
    .digest();
  if (!digestEqualsHex(expected, signature)) {
    throw new WechatCryptoError('SIGNATURE_MISMATCH', 'rawData signature does not match');
  }
}

/** Decrypts encryptedData and parses it as JSON; the result is not validated further. */
export function decryptUserData(
  encryptedDataB64: string,
  ivB64: string,
  sessionKeyB64: string,
): unknown {
  const key = decodeSessionKey(sessionKeyB64);
  const iv = decodeIv(ivB64);
  const data = decodeBase64Strict(encryptedDataB64, 'encryptedData');
  const plain = pkcs7Unpad(aesCbcDecrypt('aes-128-cbc', key, iv, data), BLOCK);
  const text = decodeUtf8(plain);
  if (text === null) {
    throw new WechatCryptoError('INVALID_JSON', 'decrypted user data is not UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WechatCryptoError('INVALID_JSON', 'decrypted user data is not JSON');
  }
}

/**
 * Encrypts a payload the way WeChat does (for the sandbox, tests and tools).
 * A string payload is encrypted verbatim; anything else is JSON-encoded first.
 */
export function encryptUserData(payload: unknown, sessionKeyB64: string, ivB64: string): string {
  const key = decodeSessionKey(sessionKeyB64);
  const iv = decodeIv(ivB64);
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  if (typeof text !== 'string') {
    throw new TypeError('payload is not JSON-serialisable');
  }
  const padded = pkcs7Pad(Buffer.from(text, 'utf8'), BLOCK);
  return aesCbcEncrypt('aes-128-cbc', key, iv, padded).toString('base64');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readWatermark(data: unknown): Watermark {
  const watermark = isRecord(data) ? data['watermark'] : undefined;
  if (!isRecord(watermark)) {
    throw new WechatCryptoError('WATERMARK_MISSING', 'decrypted data has no watermark');
  }
  const { appid, timestamp } = watermark;
  if (typeof appid !== 'string' || typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw new WechatCryptoError('WATERMARK_MISSING', 'watermark lacks appid or timestamp');
  }
  return { appid, timestamp };
}

/**
 * The data must be issued for `appid` (APPID_MISMATCH) and, unless
 * maxAgeSeconds is 0, stamped within maxAgeSeconds of `now` in either
 * direction (WATERMARK_EXPIRED; a stamp far in the future is as suspect as
 * an old one). A missing or malformed watermark is WATERMARK_MISSING.
 * Returns the watermark it checked.
 */
export function checkWatermark(data: unknown, check: WatermarkCheck): Watermark {
  const { maxAgeSeconds, now } = check;
  if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw new RangeError('maxAgeSeconds must be a finite number >= 0');
  }
  const watermark = readWatermark(data);
  if (watermark.appid !== check.appid) {
    throw new WechatCryptoError('APPID_MISMATCH', 'watermark appid does not match');
  }
  if (maxAgeSeconds === 0) return watermark;
  const ageSeconds = now.getTime() / 1000 - watermark.timestamp;
  if (Math.abs(ageSeconds) > maxAgeSeconds) {
    throw new WechatCryptoError('WATERMARK_EXPIRED', 'watermark is outside the accepted age');
  }
  return watermark;
}

function optionalString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

function toUserInfo(data: Record<string, unknown>, watermark: Watermark): DecryptedUserInfo {
  const { openId, nickName, avatarUrl, gender } = data;
  if (typeof openId !== 'string' || typeof nickName !== 'string' || typeof avatarUrl !== 'string') {
    throw new WechatCryptoError(
      'INVALID_JSON',
      'decrypted user data lacks openId, nickName or avatarUrl',
    );
  }
  const info: DecryptedUserInfo = { openId, nickName, avatarUrl, watermark };
  if (typeof gender === 'number') info.gender = gender;
  for (const key of ['language', 'city', 'province', 'country', 'unionId'] as const) {
    const value = optionalString(data, key);
    if (value !== undefined) info[key] = value;
  }
  return info;
}

/**
 * The whole check a server runs on the getUserInfo button's detail:
 * rawData signature, decryption, watermark (appid + age), and that the
 * payload is about the session's user (OPENID_MISMATCH).
 */
export function openUserData(input: OpenUserDataInput): DecryptedUserInfo {
  verifyRawDataSignature(input.rawData, input.signature, input.sessionKey);
  const data = decryptUserData(input.encryptedData, input.iv, input.sessionKey);
  const watermark = checkWatermark(data, input);
  // checkWatermark proved `data` is an object (it carries a watermark).
  const info = toUserInfo(data as Record<string, unknown>, watermark);
  if (info.openId !== input.openid) {
    throw new WechatCryptoError('OPENID_MISMATCH', 'decrypted openId is not the session user');
  }
  return info;
}
