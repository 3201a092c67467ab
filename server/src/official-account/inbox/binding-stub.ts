import type { InboxItem, SignedQueryBinding } from './inbox.model';

/**
 * A binding stub: an inbox entry reduced to its signed-query binding. When an
 * unfollow erases a follower's entries (or the inbox is pruned) while a
 * plaintext push's query is still inside its timestamp window, deleting the
 * entry would free the query for another body; the stub keeps the binding
 * and nothing else (no openid, no payload, a dedup key made from the query's
 * hash). It is `done`, so no processor claims it, and is pruned with the
 * processed entries.
 */

/** The fields that turn an entry into the stub of `binding` (for `$set`). */
export function bindingStubFields(
  binding: SignedQueryBinding,
  now: Date,
): Omit<InboxItem, 'appid' | 'attempts' | 'nextAttemptAt' | 'receivedAt' | 'eraseRequested'> {
  return {
    dedupKey: `binding:${binding.key}`,
    type: 'unknown',
    openid: '',
    createTime: 0,
    payload: {},
    status: 'done',
    leaseUntil: null,
    leaseOwner: null,
    lastError: null,
    processedAt: now,
    signedQuery: binding,
  };
}

/** A new stub of `binding` for `appid`. */
export function bindingStub(appid: string, binding: SignedQueryBinding, now: Date): InboxItem {
  return {
    appid,
    attempts: 0,
    nextAttemptAt: now,
    receivedAt: now,
    ...bindingStubFields(binding, now),
  };
}

/** Filter: entries holding a binding that still matters at `now`. */
export const liveBindingFilter = (now: Date) => ({ 'signedQuery.expiresAt': { $gt: now } });

/** Filter: entries whose deletion frees no live binding (none, or expired by `now`). */
export const noLiveBindingFilter = (now: Date) => ({
  $or: [{ signedQuery: { $exists: false } }, { 'signedQuery.expiresAt': { $lte: now } }],
});
