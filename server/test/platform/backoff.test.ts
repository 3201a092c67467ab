/**
 * Retry delays with full jitter (platform/backoff.ts): within the doubling,
 * capped window, spread over it, and drawn from the injected Random only.
 */
import type { Random } from '../../src/deps';
import { backoffWindowMs, fullJitterDelayMs, randomFraction } from '../../src/platform/backoff';
import { seededRandom } from '../support/seeded-random';

const fill = (byte: number): Random => ({ bytes: (size) => Buffer.alloc(size, byte) });
const options = { baseMs: 1000, maxMs: 60_000 };

test('the window doubles from base per attempt and stops at max', () => {
  expect([1, 2, 3, 6, 7, 50, 5000].map((n) => backoffWindowMs(n, options))).toEqual([
    1000, 2000, 4000, 32_000, 60_000, 60_000, 60_000,
  ]);
  expect(backoffWindowMs(0, options)).toBe(1000);
});

test('randomFraction spans [0, 1)', () => {
  expect(randomFraction(fill(0))).toBe(0);
  const top = randomFraction(fill(0xff));
  expect(top).toBeLessThan(1);
  expect(top).toBeGreaterThan(0.999_999);
});

test('the delay covers the whole window, both ends included', () => {
  expect(fullJitterDelayMs(3, options, fill(0))).toBe(0);
  expect(fullJitterDelayMs(3, options, fill(0xff))).toBe(4000);
  expect(fullJitterDelayMs(40, options, fill(0xff))).toBe(60_000);
});

test('delays stay in their window and are spread over it', () => {
  const random = seededRandom('spread');
  for (const attempts of [1, 4, 9]) {
    const window = backoffWindowMs(attempts, options);
    const delays = Array.from({ length: 200 }, () => fullJitterDelayMs(attempts, options, random));
    expect(delays.every((d) => Number.isInteger(d) && d >= 0 && d <= window)).toBe(true);
    // Not lock-step: many distinct values, some in each half of the window.
    expect(new Set(delays).size).toBeGreaterThan(150);
    expect(delays.some((d) => d < window / 2)).toBe(true);
    expect(delays.some((d) => d > window / 2)).toBe(true);
  }
});

test('the same Random gives the same delays (tests can pin them)', () => {
  const draw = (random: Random) => [1, 2, 3].map((n) => fullJitterDelayMs(n, options, random));
  expect(draw(seededRandom('pin'))).toEqual(draw(seededRandom('pin')));
  expect(draw(seededRandom('pin'))).not.toEqual(draw(seededRandom('other')));
});
