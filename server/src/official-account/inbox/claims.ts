import type { AppDeps } from '../../deps';
import { claimDueItem } from '../../platform/due-claim';
import { bindingStubFields, liveBindingFilter } from './binding-stub';
import type { InboxItem, InboxModel } from './inbox.model';

/** An item this instance holds: what the handlers read, plus its id and attempt count. */
export type ClaimedItem = Pick<
  InboxItem,
  'appid' | 'type' | 'openid' | 'createTime' | 'payload' | 'attempts'
> & { _id: unknown };

/**
 * Claims the next due item (platform/due-claim.ts): pending and due, or
 * processing with an expired lease (its holder crashed). The claim marks it
 * `processing` and counts the attempt. Null when none is due.
 */
export async function claimInboxItem(
  Inbox: InboxModel,
  now: Date,
  token: string,
  leaseMs: number,
): Promise<ClaimedItem | null> {
  return claimDueItem(Inbox, {
    due: {
      $or: [
        { status: 'pending', nextAttemptAt: { $lte: now } },
        { status: 'processing', leaseUntil: { $lt: now } },
      ],
    },
    now,
    owner: token,
    leaseMs,
    set: { status: 'processing' },
  });
}

/**
 * Records an item's outcome and gives its lease up, only while `token` still
 * holds it: a slow holder whose lease was taken over cannot overwrite the
 * newer outcome.
 */
export async function completeItem(
  Inbox: InboxModel,
  id: unknown,
  token: string,
  update: Record<string, unknown>,
): Promise<void> {
  await Inbox.updateOne(
    { _id: id, status: 'processing', leaseOwner: token },
    { $set: { ...update, leaseUntil: null, leaseOwner: null } },
  );
}

/**
 * Records that an item was handled (`update`: done), only while `token`
 * still holds it, like completeItem; but an entry an unfollow asked to erase
 * meanwhile (retention.ts) is erased instead: deleted, or reduced to a
 * binding stub while its signed-query binding is live (binding-stub.ts).
 * True when it was erased. Failures use completeItem: an entry still to be
 * handled is never erased.
 */
export async function completeHandledItem(
  Inbox: InboxModel,
  id: unknown,
  token: string,
  update: Record<string, unknown>,
  now: Date,
): Promise<boolean> {
  const held = { _id: id, status: 'processing' as const, leaseOwner: token };
  const res = await Inbox.updateOne(
    { ...held, eraseRequested: { $ne: true } },
    { $set: { ...update, leaseUntil: null, leaseOwner: null } },
  );
  if (res.matchedCount === 1) return false;
  const flagged = { ...held, eraseRequested: true };
  const bound = await Inbox.findOne({ ...flagged, ...liveBindingFilter(now) }).lean<InboxItem>();
  if (bound?.signedQuery !== undefined) {
    const stubbed = await Inbox.updateOne(flagged, {
      $set: bindingStubFields(bound.signedQuery, now),
      $unset: { eraseRequested: '' },
    });
    return stubbed.modifiedCount === 1;
  }
  const erased = await Inbox.deleteOne(flagged);
  return erased.deletedCount === 1;
}

/**
 * Hands claims back on shutdown so another instance takes over now rather
 * than after the lease; the attempt did not fail, so it is not counted.
 */
export async function releaseClaims(
  deps: Pick<AppDeps, 'models' | 'clock'>,
  tokens: readonly string[],
): Promise<void> {
  await deps.models.Inbox.updateMany(
    { status: 'processing', leaseOwner: { $in: tokens } },
    {
      $set: {
        status: 'pending',
        leaseUntil: null,
        leaseOwner: null,
        nextAttemptAt: deps.clock.now(),
      },
      $inc: { attempts: -1 },
    },
  );
}
