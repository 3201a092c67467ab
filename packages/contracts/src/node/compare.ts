import { timingSafeEqual } from 'node:crypto';

const HEX_SHA = /^[0-9a-f]+$/i;

/**
 * Constant-time comparison of a computed lowercase hex digest with a hex
 * signature from the outside world. Anything that is not hex of the same
 * length is a mismatch; case is ignored (hex is case-insensitive).
 */
export function hexDigestEquals(expectedHex: string, candidate: unknown): boolean {
  return digestEqualsHex(Buffer.from(expectedHex, 'hex'), candidate);
}

/**
 * Constant-time comparison of a computed binary digest with a hex signature
 * from the outside world (either case). Anything that is not hex of twice
 * the digest's length is a mismatch. Saves hex-encoding the digest.
 */
export function digestEqualsHex(expected: Buffer, candidate: unknown): boolean {
  if (
    typeof candidate !== 'string' ||
    candidate.length !== expected.length * 2 ||
    !HEX_SHA.test(candidate)
  ) {
    return false;
  }
  // Same length and hex on both sides, so the buffers have equal lengths.
  return timingSafeEqual(expected, Buffer.from(candidate, 'hex'));
}
