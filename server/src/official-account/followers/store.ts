import { applyFollowerEvent, type FollowerEvent, type FollowerState } from '@wxlink/contracts';
import type { Clock } from '../../deps';
import { CONFLICT, hasOnlyDuplicateKeyErrors, retryOnConflict } from '../../platform/retry';
import type { Follower, FollowerModel } from './follower.model';

/**
 * The only code that writes follower subscription state. Every change is a
 * read → `applyFollowerEvent` → write guarded by the `version` it read
 * (retryOnConflict), so two instances (or the import and a live push) racing
 * on one follower both end up applied, and an older event processed late
 * never overrides a newer state (the reducer decides, not arrival order).
 */
export type FollowerSource = 'event' | 'backfill';
/** A follower's state with where it came from (web OAuth tells "never followed" apart). */
export type FollowerRecord = FollowerState & { source: FollowerSource };

interface ReadDeps {
  readonly models: { readonly Follower: FollowerModel };
}
interface StoreDeps extends ReadDeps {
  readonly clock: Clock;
}

export function stateOf(doc: Pick<Follower, keyof FollowerState>): FollowerState {
  return {
    subscribed: doc.subscribed,
    stateAt: doc.stateAt,
    unionid: doc.unionid ?? null,
    subscribedAt: doc.subscribedAt ?? null,
    unsubscribedAt: doc.unsubscribedAt ?? null,
    scene: doc.scene ?? null,
  };
}

export function sameState(a: FollowerState, b: FollowerState): boolean {
  return (
    a.subscribed === b.subscribed &&
    a.stateAt === b.stateAt &&
    a.unionid === b.unionid &&
    a.subscribedAt === b.subscribedAt &&
    a.unsubscribedAt === b.unsubscribedAt &&
    a.scene === b.scene
  );
}

/** Applies one event to the follower `(appid, openid)`; returns the resulting record. */
export async function applyEventToFollower(
  deps: StoreDeps,
  ref: { appid: string; openid: string },
  event: FollowerEvent,
  source: FollowerSource,
): Promise<FollowerRecord> {
  const Followers = deps.models.Follower;
  return retryOnConflict('follower state', async () => {
    const doc = await Followers.findOne({ appid: ref.appid, openid: ref.openid }).lean();
    const now = deps.clock.now();
    if (doc === null) {
      const next = applyFollowerEvent(null, event);
      // E11000: someone created it first; the next round applies on top of theirs.
      await Followers.create({
        ...ref,
        ...next,
        version: 1,
        source,
        createdAt: now,
        updatedAt: now,
      });
      return { ...next, source };
    }
    const prev = stateOf(doc);
    const next = applyFollowerEvent(prev, event);
    if (sameState(prev, next)) return { ...next, source: doc.source };
    // Once an event has been seen the record is event-driven for good.
    const nextSource = doc.source === 'event' ? 'event' : source;
    const res = await Followers.updateOne(
      { _id: doc._id, version: doc.version },
      { $set: { ...next, version: doc.version + 1, source: nextSource, updatedAt: now } },
    );
    return res.matchedCount === 1 ? { ...next, source: nextSource } : CONFLICT;
  });
}

export interface SnapshotInput {
  openid: string;
  event: FollowerEvent;
}

export interface BatchResult {
  /** Followers whose record was created or changed. */
  written: number;
  /** Followers whose record already said the same (e.g. a resumed page). */
  unchanged: number;
}

/**
 * Applies many snapshots (the backfill) with one read and one bulkWrite. Each
 * write is still guarded (insert relies on the unique index, update on the
 * version); when any guarded write loses a race, the whole batch is re-applied
 * one by one, which is safe because the reducer is idempotent.
 */
export async function applySnapshotsToFollowers(
  deps: StoreDeps,
  appid: string,
  snapshots: readonly SnapshotInput[],
): Promise<BatchResult> {
  const result: BatchResult = { written: 0, unchanged: 0 };
  if (snapshots.length === 0) return result;
  const Followers = deps.models.Follower;
  const openids = snapshots.map((s) => s.openid);
  const existing = await Followers.find({ appid, openid: { $in: openids } }).lean();
  const byOpenid = new Map(existing.map((doc) => [doc.openid, doc]));
  const now = deps.clock.now();

  type Op = Parameters<FollowerModel['bulkWrite']>[0][number];
  const ops: Op[] = [];
  let expectedUpdates = 0;
  let expectedInserts = 0;
  for (const { openid, event } of snapshots) {
    const doc = byOpenid.get(openid);
    if (doc === undefined) {
      const next = applyFollowerEvent(null, event);
      ops.push({
        insertOne: {
          document: {
            appid,
            openid,
            ...next,
            version: 1,
            source: 'backfill',
            createdAt: now,
            updatedAt: now,
          },
        },
      });
      expectedInserts++;
      continue;
    }
    const prev = stateOf(doc);
    const next = applyFollowerEvent(prev, event);
    if (sameState(prev, next)) {
      result.unchanged++;
      continue;
    }
    ops.push({
      updateOne: {
        filter: { _id: doc._id, version: doc.version },
        update: { $set: { ...next, version: doc.version + 1, updatedAt: now } },
      },
    });
    expectedUpdates++;
  }
  if (ops.length === 0) return result;

  let complete = false;
  try {
    const res = await Followers.bulkWrite(ops, { ordered: false });
    complete = res.insertedCount === expectedInserts && res.matchedCount === expectedUpdates;
  } catch (err) {
    // A duplicate key means a live push created the follower meanwhile.
    if (!hasOnlyDuplicateKeyErrors(err)) throw err;
  }
  result.written = ops.length;
  if (complete) return result;
  // Lost a race somewhere: redo this batch one follower at a time (idempotent).
  for (const { openid, event } of snapshots) {
    await applyEventToFollower(deps, { appid, openid }, event, 'backfill');
  }
  return result;
}

/**
 * The follower a mini-program user is linked to, by unionid. Should two
 * openids ever carry one unionid (data imported twice), the newest state wins.
 */
export async function findFollowerByUnionid(
  deps: ReadDeps,
  appid: string,
  unionid: string,
): Promise<FollowerState | null> {
  const doc = await deps.models.Follower.findOne({ appid, unionid }).sort({ stateAt: -1 }).lean();
  return doc === null ? null : stateOf(doc);
}

/** The follower by openid with where its state came from. */
export async function findFollowerRecordByOpenid(
  deps: ReadDeps,
  appid: string,
  openid: string,
): Promise<FollowerRecord | null> {
  const doc = await deps.models.Follower.findOne({ appid, openid }).lean();
  return doc === null ? null : { ...stateOf(doc), source: doc.source };
}
