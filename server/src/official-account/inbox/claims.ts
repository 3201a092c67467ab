import type { AppDeps } from '../../deps';
import { isLeaseFree, takeLease } from '../../platform/lease';
import type { InboxItem, InboxModel } from './inbox.model';

/** An item this instance holds: what the handlers read, plus its id and attempt count. */
export type ClaimedItem = Pick<
  InboxItem,
  'appid' | 'type' | 'openid' | 'createTime' | 'payload' | 'attempts'
> & { _id: unknown };

/** Due items read per claim round; several, so instances racing for the head still find work. */
const CLAIM_CANDIDATES = 8;

/**
 * Reads a few due candidates (pending and due, or processing with an expired
 * lease: its holder crashed), then takes one's lease (platform/lease.ts),
 * guarded by the status and attempts read: exactly one claimer wins each
 * item, on any MongoDB. The claim counts the attempt. Null when none is due.
 */
export async function claimDueItem(
  Inbox: InboxModel,
  now: Date,
  token: string,
  leaseMs: number,
): Promise<ClaimedItem | null> {
  const candidates = await Inbox.find({
    $or: [
      { status: 'pending', nextAttemptAt: { $lte: now } },
      { status: 'processing', leaseUntil: { $lt: now } },
    ],
  })
    .sort({ nextAttemptAt: 1 })
    .limit(CLAIM_CANDIDATES)
    .lean<(ClaimedItem & Pick<InboxItem, 'status' | 'leaseOwner' | 'leaseUntil'>)[]>();
  for (const candidate of candidates) {
    if (!isLeaseFree(candidate, now)) continue;
    const taken = await takeLease(Inbox, { _id: candidate._id }, candidate, {
      owner: token,
      until: new Date(now.getTime() + leaseMs),
      set: { status: 'processing' },
      inc: { attempts: 1 },
      guard: { status: candidate.status, attempts: candidate.attempts },
    });
    if (taken) return { ...candidate, attempts: candidate.attempts + 1 };
    // Another instance took it first; try the next one.
  }
  return null;
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
