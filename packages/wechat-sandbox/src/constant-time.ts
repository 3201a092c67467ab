import { timingSafeEqual } from 'node:crypto';

/**
 * String equality whose time does not depend on where the strings differ,
 * for secrets, signatures and ids a caller could otherwise guess byte by
 * byte. Strings of different lengths are unequal (their lengths may leak).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
