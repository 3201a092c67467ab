import type { Model } from 'mongoose';
import { isLeaseFree, takeLease, type LeaseFields } from './lease';

/**
 * Claiming the next due item of a work collection, written once and used by
 * the inbox processor (pushes to handle) and the linkage-event delivery
 * (events to deliver), on any number of instances.
 *
 * Technique: read a few due candidates, oldest `nextAttemptAt` first, then
 * take one's lease (lease.ts) with a compare-and-set that also repeats the
 * candidate's `status` and `attempts` as read. Of several instances racing
 * for one item exactly one write matches, on every MongoDB; the losers move
 * on to the next candidate. Reading several candidates, not just the head,
 * keeps instances that lose the head race busy. The claim counts the attempt
 * in the same write, so a holder that crashes mid-item still used it up.
 */
export interface DueItem extends LeaseFields {
  status: string;
  attempts: number;
  nextAttemptAt: Date;
}

/** Due candidates read per claim round. */
export const DUE_CANDIDATES = 8;

export interface DueClaimOptions {
  /** The filter of due items (e.g. pending and `nextAttemptAt <= now`); leased ones are skipped. */
  due: Record<string, unknown>;
  now: Date;
  /** The claim token; every write under the claim is guarded by it. */
  owner: string;
  leaseMs: number;
  /** Fields set in the claiming write (e.g. `status: 'processing'`). */
  set?: Record<string, unknown>;
}

/** The claimed item as it is stored after the claim. */
export type ClaimedDueItem<T> = T & { _id: unknown };

/** Claims one due item whose lease is free; null when none is (or other instances took them all). */
export async function claimDueItem<T extends DueItem>(
  model: Model<T>,
  options: DueClaimOptions,
): Promise<ClaimedDueItem<T> | null> {
  const { now, owner, set = {} } = options;
  const candidates = await model
    .find(options.due as never)
    .sort({ nextAttemptAt: 1 })
    .limit(DUE_CANDIDATES)
    .lean<ClaimedDueItem<T>[]>()
    .exec();
  const until = new Date(now.getTime() + options.leaseMs);
  for (const candidate of candidates) {
    if (!isLeaseFree(candidate, now)) continue;
    const taken = await takeLease(model, { _id: candidate._id }, candidate, {
      owner,
      until,
      set,
      inc: { attempts: 1 },
      guard: { status: candidate.status, attempts: candidate.attempts },
    });
    if (taken) {
      return {
        ...candidate,
        ...set,
        leaseOwner: owner,
        leaseUntil: until,
        attempts: candidate.attempts + 1,
      };
    }
    // Another instance took it first; try the next one.
  }
  return null;
}
