import type { SignedQuery } from './signed-query.model';
import { createHash } from 'node:crypto';
import type { AppDeps } from '../../deps';
import { PUSH_CLOCK_SKEW_SECONDS } from '../../config/intake';
import { AppError, describeError } from '../../platform/errors';
import { isDuplicateKeyError } from '../../platform/retry';
import { withTimeout } from '../../platform/with-timeout';

/**
 * Replay protection for pushes. WeChat signs `timestamp` and `nonce` into
 * every push URL (接入指南: "signature 结合了开发者填写的 token 参数和请求中的
 * timestamp 参数、nonce 参数"), so a push URL stays valid only while its
 * timestamp is recent; a plaintext push's signature does not cover the body,
 * so its signed query is also bound to the first body it came with.
 */

const stale = (what: string): AppError =>
  new AppError('PUSH_REJECTED', `Push ${what} is outside the accepted time window`);

/**
 * Refuses a signed `timestamp` (seconds) older than `maxAgeSeconds` or more
 * than the clock skew in the future. Called after the signature matched, so
 * the value is WeChat's, not the sender's choice.
 */
export function checkPushTimestamp(timestamp: string, now: Date, maxAgeSeconds: number): number {
  if (!/^\d{1,12}$/.test(timestamp)) throw stale('timestamp');
  const seconds = Number(timestamp);
  const age = now.getTime() / 1000 - seconds;
  if (age > maxAgeSeconds || age < -PUSH_CLOCK_SKEW_SECONDS) throw stale('timestamp');
  return seconds;
}

/**
 * Refuses a CreateTime (seconds) beyond the clock skew in the future: events
 * apply in CreateTime order, so one dated years ahead would outrank every
 * genuine later event. An old CreateTime is fine (WeChat's retries keep it).
 */
export function checkCreateTime(createTime: number, now: Date): void {
  if (createTime - now.getTime() / 1000 > PUSH_CLOCK_SKEW_SECONDS) throw stale('CreateTime');
}

/** What a plaintext push's signature covers, and the body it arrived with. */
export interface SignedQueryUse {
  appid: string;
  timestamp: string;
  nonce: string;
  signature: string;
  body: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The binding's key; the NUL separators keep field boundaries unambiguous. */
function signedQueryKey(use: Omit<SignedQueryUse, 'body'>): string {
  return sha256([use.appid, use.timestamp, use.nonce, use.signature].join('\0'));
}

/**
 * Deletes the bindings whose timestamp window has passed; returns how many.
 * Run by the background workers (workers.ts), not on the push path: TTL
 * indexes never run on the embedded database, and on a real MongoDB this
 * only finishes the TTL monitor's work early.
 */
export async function sweepExpiredBindings(
  deps: Pick<AppDeps, 'models' | 'clock'>,
): Promise<number> {
  const res = await deps.models.SignedQuery.deleteMany({ expiresAt: { $lte: deps.clock.now() } });
  return res.deletedCount;
}

/**
 * Binds a plaintext push's signed query to its body, for as long as the
 * timestamp is accepted. The same query with the same body (WeChat's retry,
 * or the same push at another instance) passes; with another body it is
 * refused as a bad signature. A database that does not answer in time is
 * SERVICE_UNAVAILABLE, like the inbox write: the push is left unanswered.
 */
export async function bindSignedQuery(
  deps: Pick<AppDeps, 'models' | 'clock' | 'config' | 'logger'>,
  use: SignedQueryUse,
  timestampSeconds: number,
  timeoutMs: number,
): Promise<void> {
  const now = deps.clock.now();
  const model = deps.models.SignedQuery;
  const queryKey = signedQueryKey(use);
  const bodyHash = sha256(use.body);
  const expiresAt = new Date(
    (timestampSeconds + deps.config.pushMaxAgeSeconds + PUSH_CLOCK_SKEW_SECONDS) * 1000,
  );
  try {
    // The driver's insert: no mongoose document on the push path (see intake.ts).
    const binding: SignedQuery = { queryKey, bodyHash, expiresAt };
    await withTimeout(model.collection.insertOne(binding), timeoutMs);
    return;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw unavailable(deps, err);
  }
  let bound: { bodyHash: string } | null;
  try {
    // expiresAt is checked here: no TTL runs on the embedded database.
    bound = await withTimeout(
      model.findOne({ queryKey, expiresAt: { $gt: now } }, { bodyHash: 1 }).lean(),
      timeoutMs,
    );
  } catch (err) {
    throw unavailable(deps, err);
  }
  if (bound === null || bound.bodyHash !== bodyHash) {
    // An expired binding is not revived: its timestamp is already refused.
    throw new AppError('PUSH_SIGNATURE_INVALID', 'Signed push query reused with another body');
  }
}

function unavailable(deps: Pick<AppDeps, 'logger'>, err: unknown): AppError {
  deps.logger.error(
    { err: describeError(err) },
    'push binding write failed; the push stays unanswered so WeChat retries',
  );
  return new AppError('SERVICE_UNAVAILABLE', 'Push could not be checked; retry later');
}
