import { AppError } from './errors';

/**
 * Optimistic concurrency, written once. Every read-modify-write in the
 * server that can race another instance (a follower's state, a session_key
 * rotation, a user's first login, a lease, a rate-limit window) runs as:
 * read, compute, write guarded by what was read (a compare-and-set
 * `updateOne`, or an insert that a unique index may refuse with E11000). A
 * lost race is not an error: read again and recompute. MongoDB has no
 * multi-statement compare-and-set we could use instead (pipeline updates
 * are missing on the embedded test database), and the loop works the same
 * on both.
 */

/** Returned by an attempt that lost a race: read again and retry. */
export const CONFLICT = Symbol('conflict');

/**
 * Attempts before giving up. Each lost race means another writer made
 * progress on the same document, so ten in a row means heavy contention on
 * one key; the caller's own retry (WeChat's, the inbox backoff) takes over.
 */
export const DEFAULT_CONFLICT_ATTEMPTS = 10;

/**
 * Runs `attempt` until it returns something other than CONFLICT (or an
 * E11000 duplicate-key error, which counts as a conflict). Throws
 * AppError('WRITE_CONFLICT') after `maxAttempts` lost races.
 */
export async function retryOnConflict<T>(
  what: string,
  attempt: (round: number) => Promise<T | typeof CONFLICT>,
  maxAttempts = DEFAULT_CONFLICT_ATTEMPTS,
): Promise<T> {
  let lastDuplicate: unknown;
  for (let round = 0; round < maxAttempts; round++) {
    try {
      const result = await attempt(round);
      if (result !== CONFLICT) return result;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      lastDuplicate = err;
    }
  }
  throw new AppError('WRITE_CONFLICT', `${what} kept conflicting with concurrent writers`, {
    cause: lastDuplicate,
    details: { attempts: maxAttempts },
  });
}

/** Duplicate-key error (E11000), e.g. two concurrent upserts of one unique key. */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** A bulkWrite error whose every failure is a duplicate key (an insert lost a race). */
export function hasOnlyDuplicateKeyErrors(err: unknown): boolean {
  if (isDuplicateKeyError(err)) return true;
  const writeErrors = (err as { writeErrors?: unknown } | null)?.writeErrors;
  const list = Array.isArray(writeErrors) ? (writeErrors as unknown[]) : [];
  return list.length > 0 && list.every((e) => isDuplicateKeyError(e));
}
