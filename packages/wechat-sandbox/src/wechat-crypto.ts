import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * The crypto WeChat performs on its side, written independently of
 * `@wxlink/contracts/node` on purpose: the sandbox plays WeChat, so the
 * product's verification code is tested against a second implementation
 * rather than against itself.
 */

function sha1Hex(data: string): string {
  return createHash('sha1').update(data, 'utf8').digest('hex');
}

/** rawData signature of the getUserInfo payload: sha1(rawData + session_key). */
export function signRawData(rawData: string, sessionKey: string): string {
  return sha1Hex(rawData + sessionKey);
}

/**
 * encryptedData of the getUserInfo payload: AES-128-CBC with the base64-decoded
 * session_key as key, a random 16-byte iv, PKCS#7 padding (16-byte blocks).
 */
export function sandboxEncryptUserData(
  payload: unknown,
  sessionKey: string,
  iv: Buffer = randomBytes(16),
): { encryptedData: string; iv: string } {
  const key = Buffer.from(sessionKey, 'base64');
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  const json = JSON.stringify(payload);
  const encrypted = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  return { encryptedData: encrypted.toString('base64'), iv: iv.toString('base64') };
}

/**
 * User login-state signature: hex hmac_sha256 keyed by the session_key string
 * over the POST body, which is '' for checksession.
 */
export function sessionSignature(sessionKey: string, data = ''): string {
  return createHmac('sha256', sessionKey).update(data, 'utf8').digest('hex');
}

/** Push URL `signature`: sha1 of the sorted, concatenated token/timestamp/nonce. */
export function sandboxPushSignature(token: string, timestamp: string, nonce: string): string {
  return sha1Hex([token, timestamp, nonce].sort().join(''));
}

/** Safe-mode `msg_signature`: sha1 of the sorted token/timestamp/nonce/Encrypt. */
export function sandboxMsgSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
): string {
  return sha1Hex([token, timestamp, nonce, encrypt].sort().join(''));
}

/** The 32-byte AES key behind a 43-char EncodingAESKey. */
export function aesKeyBytes(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) {
    throw new Error('EncodingAESKey must be 43 base64 characters');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

/** WeChat pads message plaintext with PKCS#7 to a multiple of 32 bytes (not 16). */
const MESSAGE_BLOCK = 32;

function pkcs7Pad32(data: Buffer): Buffer {
  const pad = MESSAGE_BLOCK - (data.length % MESSAGE_BLOCK); // 1..32, never 0
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

/**
 * Safe-mode message encryption: AES-256-CBC, key = EncodingAESKey bytes,
 * iv = first 16 key bytes, plaintext = random(16) + uint32BE(len(xml)) + xml +
 * appid, PKCS#7-padded to 32-byte blocks, no cipher-level padding.
 */
export function sandboxEncryptMessage(
  xml: string,
  encodingAesKey: string,
  appid: string,
  random16: Buffer = randomBytes(16),
): string {
  if (random16.length !== 16) throw new Error('random prefix must be 16 bytes');
  const key = aesKeyBytes(encodingAesKey);
  const body = Buffer.from(xml, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const plain = pkcs7Pad32(Buffer.concat([random16, length, body, Buffer.from(appid, 'utf8')]));
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}
