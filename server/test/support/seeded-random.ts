import { createHash } from 'node:crypto';
import type { Random } from '../../src/deps';

/** A deterministic Random for tests: each call hashes the seed and a call counter. */
export function seededRandom(seed: string): Random {
  let calls = 0;
  return {
    bytes: (size) => {
      const out = Buffer.alloc(size);
      for (let off = 0; off < size; off += 32) {
        createHash('sha256').update(`${seed}:${calls++}`).digest().copy(out, off);
      }
      return out;
    },
  };
}
