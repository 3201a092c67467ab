import { randomBytes, randomInt } from 'node:crypto';

/**
 * Identifier generation. Openids and unionids look like WeChat's (28 chars,
 * starting with `o`) and are built from a per-sandbox random salt plus a
 * counter, so creating 100k followers costs no per-user CSPRNG call while two
 * sandboxes never hand out the same ids. Codes, tokens and session keys are
 * secrets in the real system, so those always come from the CSPRNG.
 */
export class IdFactory {
  private readonly salt: string;
  private seq = 0;

  constructor() {
    this.salt = randomBytes(4).toString('hex'); // 8 chars
  }

  /** Next user sequence number (shared by all ids of one user). */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** `prefix` (3 chars) + salt (8) + base36 seq padded to 17 => 28 chars. */
  openidLike(prefix: string, seq: number): string {
    return `${prefix}${this.salt}${seq.toString(36).padStart(17, '0')}`;
  }
}

/** Random URL-safe token of `bytes` entropy (login codes, tokens, tickets). */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** A WeChat session_key: 16 random bytes, base64 (24 chars). */
export function newSessionKey(): string {
  return randomBytes(16).toString('base64');
}

/** A WeChat-style request id appended to errmsg: `rid: xxxxxxxx-xxxxxxxx-xxxxxxxx`. */
export function newRid(): string {
  return [4, 4, 4].map((n) => randomBytes(n).toString('hex')).join('-');
}

/** Numeric nonce as WeChat sends it on pushes. */
export function newNonce(): string {
  return String(randomInt(100_000_000, 2_000_000_000));
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A 43-char EncodingAESKey. The official console only produces [A-Za-z0-9],
 * so we do too (a strict validator on the receiving side must accept ours).
 */
export function newEncodingAesKey(): string {
  let key = '';
  for (let i = 0; i < 43; i += 1) key += ALNUM[randomInt(ALNUM.length)];
  return key;
}

export function newAppid(): string {
  return `wx${randomBytes(8).toString('hex')}`;
}

export function newSecret(): string {
  return randomBytes(16).toString('hex');
}
