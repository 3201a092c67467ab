import { createHash } from 'node:crypto';
import type { AppDeps } from '../../deps';
import { bindingStub } from '../inbox/binding-stub';
import type { SignedQueryBinding } from '../inbox/inbox.model';
import { PUSH_CLOCK_SKEW_SECONDS } from '../../config/intake';
import { AppError, describeError } from '../../platform/errors';
import { isDuplicateKeyError } from '../../platform/retry';
import { withTimeout } from '../../platform/with-timeout';

/**
 * Replay protection for pushes. WeChat signs `timestamp` and `nonce` into
 * every push URL (接入指南: "signature 结合了开发者填写的 token 参数和请求中的
 * timestamp 参数、nonce 参数"), so a push URL stays valid only while its
 * timestamp is recent; a plaintext push's signature does not cover the body,
 * so its signed query is also bound to the first body it came with (in the
 * push's inbox entry, see signedQueryBinding).
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

/**
 * The binding of a plaintext push's signed query to its body, stored in the
 * push's inbox entry (one insert: the entry's unique `signedQuery.key` is the
 * binding). It matters for as long as the timestamp is accepted. The NUL
 * separators keep field boundaries unambiguous.
 */
export function signedQueryBinding(
  use: SignedQueryUse,
  timestampSeconds: number,
  maxAgeSeconds: number,
): SignedQueryBinding {
  return {
    key: sha256([use.appid, use.timestamp, use.nonce, use.signature].join('\0')),
    bodyHash: sha256(use.body),
    expiresAt: new Date((timestampSeconds + maxAgeSeconds + PUSH_CLOCK_SKEW_SECONDS) * 1000),
  };
}

/**
 * Decides a bound push whose insert met a unique key. The entry (or stub)
 * holding its signed query came with the same body: a duplicate (WeChat's
 * retry, or the same push at another instance), fine. With another body: a
 * query copied from a log, refused as a bad signature. Nobody holds the
 * query: the push itself is stored under another query (a retry WeChat signed
 * anew), and this query is bound too, with a stub. A database that does not
 * answer in time is SERVICE_UNAVAILABLE, like the inbox write.
 */
export async function settleBoundDuplicate(
  deps: Pick<AppDeps, 'models' | 'clock' | 'logger'>,
  appid: string,
  binding: SignedQueryBinding,
  timeoutMs: number,
): Promise<void> {
  const model = deps.models.Inbox;
  for (let round = 0; round < 2; round++) {
    let holder: { signedQuery?: SignedQueryBinding } | null;
    try {
      holder = await withTimeout(
        model.findOne({ 'signedQuery.key': binding.key }, { signedQuery: 1 }).lean(),
        timeoutMs,
      );
    } catch (err) {
      throw bindingCheckUnavailable(deps.logger, err);
    }
    if (holder !== null) {
      if (holder.signedQuery?.bodyHash === binding.bodyHash) return;
      throw reusedWithAnotherBody();
    }
    try {
      const stub = bindingStub(appid, binding, deps.clock.now());
      await withTimeout(model.collection.insertOne(stub), timeoutMs);
      return;
    } catch (err) {
      // Bound meanwhile by the same query elsewhere: read who holds it.
      if (!isDuplicateKeyError(err)) throw bindingCheckUnavailable(deps.logger, err);
    }
  }
  throw bindingCheckUnavailable(deps.logger, new Error('signed query binding kept changing'));
}

/** A signed query already bound to another body (here, or by an earlier version: legacy-bindings.ts). */
export function reusedWithAnotherBody(): AppError {
  return new AppError('PUSH_SIGNATURE_INVALID', 'Signed push query reused with another body');
}

/**
 * A binding check the database did not answer: logged, and SERVICE_UNAVAILABLE
 * like the inbox write, so the push stays unanswered and WeChat retries.
 */
export function bindingCheckUnavailable(
  logger: Pick<AppDeps['logger'], 'error'>,
  err: unknown,
): AppError {
  logger.error(
    { err: describeError(err) },
    'push binding check failed; the push stays unanswered so WeChat retries',
  );
  return new AppError('SERVICE_UNAVAILABLE', 'Push could not be checked; retry later');
}
