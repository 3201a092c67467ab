/**
 * Official-account push signatures (消息加解密 / 接入指南):
 * - plaintext pushes and URL verification: signature = sha1(sort([token, timestamp, nonce]).join(''))
 * - safe mode: msg_signature = sha1(sort([token, timestamp, nonce, Encrypt]).join(''))
 * Verification is constant-time and total: any non-string or non-hex input is
 * simply "not valid" (query parameters can arrive as arrays or be missing).
 */
import { createHash } from 'node:crypto';
import { hexDigestEquals } from './compare';

// UTF-16 order (JavaScript's sort) equals UTF-8 byte order except between
// a surrogate and U+E000..U+FFFF; strings without either sort alike both ways.
const HIGH_UTF16 = /[\uD800-\uFFFF]/;

function sha1OfSorted(parts: readonly string[]): string {
  // Byte-wise order of the UTF-8 encodings, as the official samples sort.
  if (!parts.some((part) => HIGH_UTF16.test(part))) {
    return createHash('sha1')
      .update([...parts].sort().join(''), 'utf8')
      .digest('hex');
  }
  const sorted = parts
    .map((part) => Buffer.from(part, 'utf8'))
    .sort((a, b) => Buffer.compare(a, b));
  return createHash('sha1').update(Buffer.concat(sorted)).digest('hex');
}

function allStrings(values: readonly unknown[]): values is readonly string[] {
  return values.every((value) => typeof value === 'string');
}

/** `parts` is [token, …]: all must be strings and the token non-empty, else simply false. */
function verifySorted(parts: readonly unknown[], signature: unknown): boolean {
  if (!allStrings(parts) || parts[0] === '') return false;
  return hexDigestEquals(sha1OfSorted(parts), signature);
}

/** The plaintext-mode `signature`: sha1 of the sorted token, timestamp and nonce (lowercase hex). */
export function pushSignature(token: string, timestamp: string, nonce: string): string {
  return sha1OfSorted([token, timestamp, nonce]);
}

/** The token and the query parameters verifyPushSignature checks. */
export interface PushSignatureInput {
  token: string;
  timestamp: string;
  nonce: string;
  /** The `signature` query parameter. */
  signature: string;
}

/** True when `signature` matches token, timestamp and nonce (constant time; false for any non-string). */
export function verifyPushSignature(input: PushSignatureInput): boolean {
  const { token, timestamp, nonce, signature } = input;
  return verifySorted([token, timestamp, nonce], signature);
}

/** The safe-mode `msg_signature`: sha1 of the sorted token, timestamp, nonce and Encrypt value. */
export function msgSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
): string {
  return sha1OfSorted([token, timestamp, nonce, encrypt]);
}

/** The token, query parameters and <Encrypt> value verifyMsgSignature checks. */
export interface MsgSignatureInput {
  token: string;
  timestamp: string;
  nonce: string;
  /** The <Encrypt> value of the pushed envelope. */
  encrypt: string;
  /** The `msg_signature` query parameter. */
  signature: string;
}

/**
 * True when `signature` matches token, timestamp, nonce and the Encrypt value
 * (constant time; false for any non-string). Check it before decrypting.
 */
export function verifyMsgSignature(input: MsgSignatureInput): boolean {
  const { token, timestamp, nonce, encrypt, signature } = input;
  return verifySorted([token, timestamp, nonce, encrypt], signature);
}
