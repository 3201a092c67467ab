import type { Model } from 'mongoose';
import { AppError } from './errors';
import { CONFLICT, retryOnConflict } from './retry';

/**
 * A time-bounded, exclusive claim on one document, written once and used by
 * the access-token broker (who refreshes an appid's token), the follower
 * import (one run per account), and through due-claim.ts the inbox processor
 * (who handles an item) and the linkage-event delivery (who delivers one).
 *
 * Technique: the lease is two fields on the document, `leaseOwner` and
 * `leaseUntil`. Taking it is a compare-and-set: an `updateOne` whose filter
 * repeats the lease fields just read, so of two claimers exactly one matches,
 * on every MongoDB (a single `findOneAndUpdate` with the condition in its
 * filter is atomic on a real server too, but not on the embedded test
 * database, and the upsert form can fail with E11000 under races; the
 * read-then-CAS form behaves the same everywhere). A missing document is
 * created with the lease held; its unique key decides between two creators.
 * A holder that stalls past `leaseUntil` loses the lease: every renewal and
 * every write made under the lease is guarded by `leaseOwner`, so a stale
 * holder's write matches nothing and it learns it lost (LEASE_LOST).
 */
export interface LeaseFields {
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

/** Whether a lease as stored is free at `now` (never taken, released, or expired). */
export function isLeaseFree(doc: Partial<LeaseFields>, now: Date): boolean {
  const owner = doc.leaseOwner ?? null;
  const until = doc.leaseUntil ?? null;
  return owner === null || until === null || until.getTime() <= now.getTime();
}

// Mongoose's filter and update types are too strict for a helper generic over
// models; callers pass plain field maps and the model's schema casts them.
type AnyModel<T> = Model<T>;
type Fields = Record<string, unknown>;

export interface TakeLeaseOptions {
  owner: string;
  until: Date;
  /** Extra fields set in the same write (e.g. `status: 'processing'`). */
  set?: Fields;
  /** Counters incremented in the same write (e.g. `attempts`). */
  inc?: Record<string, number>;
  /** Extra fields the document must still have, as read (e.g. `status`, `attempts`). */
  guard?: Fields;
}

/**
 * Compare-and-set of a lease on a document already read: succeeds only if
 * its lease fields (and `guard`) are still what was read.
 */
export async function takeLease<T>(
  model: AnyModel<T>,
  key: Fields,
  read: Partial<LeaseFields>,
  options: TakeLeaseOptions,
): Promise<boolean> {
  const res = await model
    .updateOne(
      {
        ...key,
        ...options.guard,
        leaseOwner: read.leaseOwner ?? null,
        leaseUntil: read.leaseUntil ?? null,
      } as never,
      {
        $set: { ...options.set, leaseOwner: options.owner, leaseUntil: options.until },
        ...(options.inc ? { $inc: options.inc } : {}),
      },
    )
    .exec();
  return res.modifiedCount === 1;
}

export type LeaseClaim<T> =
  | {
      readonly claimed: true;
      /** The document right after the claim. */ readonly record: T;
      readonly created: boolean;
    }
  | { readonly claimed: false; readonly owner: string; readonly until: Date };

export interface ClaimLeaseOptions extends TakeLeaseOptions {
  now: Date;
  /** Fields of a new document when none exists yet (besides `key` and the lease). */
  create: Fields;
}

/** Reads the document named by `key` (a unique key) and takes its lease if it is free. */
export async function claimLease<T extends Partial<LeaseFields>>(
  model: AnyModel<T>,
  key: Fields,
  options: ClaimLeaseOptions,
): Promise<LeaseClaim<T>> {
  return retryOnConflict('lease claim', async () => {
    const doc = await model
      .findOne(key as never)
      .lean<T>()
      .exec();
    if (doc === null) {
      await model.create({
        ...options.create,
        ...options.set,
        ...key,
        leaseOwner: options.owner,
        leaseUntil: options.until,
      } as never);
      return { claimed: true, record: await readAfterClaim(model, key), created: true } as const;
    }
    if (!isLeaseFree(doc, options.now)) {
      return {
        claimed: false,
        owner: doc.leaseOwner ?? 'unknown',
        until: doc.leaseUntil ?? options.now,
      } as const;
    }
    if (!(await takeLease(model, key, doc, options))) return CONFLICT;
    return { claimed: true, record: await readAfterClaim(model, key), created: false } as const;
  });
}

async function readAfterClaim<T>(model: AnyModel<T>, key: Fields): Promise<T> {
  const doc = await model
    .findOne(key as never)
    .lean<T>()
    .exec();
  if (doc === null) throw new AppError('LEASE_LOST', 'the leased document disappeared');
  return doc;
}

/**
 * Extends the lease (and writes `set` with it) while `owner` still holds it.
 * Throws LEASE_LOST when someone else took it over: the caller must stop.
 */
export async function renewLease<T>(
  model: AnyModel<T>,
  key: Fields,
  owner: string,
  until: Date,
  set: Fields = {},
): Promise<void> {
  const res = await model
    .updateOne({ ...key, leaseOwner: owner } as never, { $set: { ...set, leaseUntil: until } })
    .exec();
  if (res.matchedCount !== 1) {
    throw new AppError(
      'LEASE_LOST',
      'another holder took over this lease (it stalled past its expiry)',
    );
  }
}

/**
 * Gives the lease up (writing `set` with it) if `owner` still holds it;
 * true when it did. A lease already taken over is left to its new holder.
 */
export async function releaseLease<T>(
  model: AnyModel<T>,
  key: Fields,
  owner: string,
  set: Fields = {},
): Promise<boolean> {
  const res = await model
    .updateOne({ ...key, leaseOwner: owner } as never, {
      $set: { ...set, leaseOwner: null, leaseUntil: null },
    })
    .exec();
  return res.matchedCount === 1;
}
