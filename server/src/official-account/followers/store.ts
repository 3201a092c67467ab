import type { FollowerState } from '@wxlink/contracts';
import type { AppDeps, Clock } from '../../deps';
import type { FollowerRetention } from '../../config/linkage';
import { CONFLICT, hasOnlyDuplicateKeyErrors, retryOnConflict } from '../../platform/retry';
import type { Follower, FollowerModel, StoredFollower } from './follower.model';
import { isExpiredTombstone, reduceFollower, type FollowerChange } from './reduce';
import { settleLinkage, type LinkageDeps } from '../linkage-events/derive';

/**
 * The only code that writes follower subscription state. Every change is a
 * read → `reduceFollower` → write guarded by the `version` it read
 * (retryOnConflict), so two instances (or the import and a live push) racing
 * on one follower both end up applied, and an older event processed late
 * never overrides a newer state (the reducer decides, not arrival order).
 * A write that changes `subscribed` or `unionid` sets `linkagePending` in the
 * same update, and the linkage event is then derived from it (so a crash in
 * between cannot lose it: the sweep finds the flag).
 */
export type FollowerSource = 'event' | 'backfill';
/** A follower's state with where it came from. */
export type FollowerRecord = FollowerState & { source: FollowerSource };

/** What the readers need. */
export interface FollowerReadDeps {
  readonly models: Pick<AppDeps['models'], 'Follower'>;
}
/** What the writers need. */
export type StoreDeps = LinkageDeps & { readonly clock: Clock };

/** How a change was learned: `lookedUp` = cgi-bin/user/info (or batchget) has answered for it. */
export interface ChangeOptions {
  source: FollowerSource;
  lookedUp?: boolean;
}

/** The FollowerState fields of a stored follower. */
function stateOf(doc: Pick<Follower, keyof FollowerState>): FollowerState {
  return {
    subscribed: doc.subscribed,
    stateAt: doc.stateAt,
    unionid: doc.unionid ?? null,
    subscribedAt: doc.subscribedAt ?? null,
    unsubscribedAt: doc.unsubscribedAt ?? null,
    scene: doc.scene ?? null,
  };
}

/** Whether two states are field for field the same. */
function sameState(a: FollowerState, b: FollowerState): boolean {
  return (
    a.subscribed === b.subscribed &&
    a.stateAt === b.stateAt &&
    a.unionid === b.unionid &&
    a.subscribedAt === b.subscribedAt &&
    a.unsubscribedAt === b.unsubscribedAt &&
    a.scene === b.scene
  );
}

const retentionOf = (deps: StoreDeps): FollowerRetention => deps.config.linkage.followerRetention;

/**
 * The flags written with a new state. `unionidPending`: a follow whose
 * user/info answer has not come yet (a new follow opens it, an answer closes
 * it). `linkageChanged`: `subscribed` or `unionid` changed, so the user's
 * linkage may have too.
 */
function flagsOf(
  prev: (FollowerState & { unionidPending: boolean }) | null,
  next: FollowerState,
  options: ChangeOptions,
): { unionidPending: boolean; linkageChanged: boolean } {
  const newFollow =
    next.subscribed && (prev === null || !prev.subscribed || prev.stateAt !== next.stateAt);
  const open = newFollow || (prev?.unionidPending ?? false);
  return {
    unionidPending: next.subscribed && next.unionid === null && options.lookedUp !== true && open,
    linkageChanged:
      prev === null || prev.subscribed !== next.subscribed || prev.unionid !== next.unionid,
  };
}

/** The `$set` of a follower write (state, flags, bookkeeping). */
function updateOf(
  doc: Follower | null | undefined,
  next: FollowerState,
  options: ChangeOptions,
  now: Date,
): Record<string, unknown> & { unionidPending: boolean; linkagePending: boolean } {
  const prev = doc == null ? null : { ...stateOf(doc), unionidPending: doc.unionidPending };
  const flags = flagsOf(prev, next, options);
  const source: FollowerSource = doc?.source === 'event' ? 'event' : options.source;
  return {
    ...next,
    source,
    unionidPending: flags.unionidPending,
    linkagePending: flags.linkageChanged || (doc?.linkagePending ?? false),
    updatedAt: now,
  };
}

/** What applying a change did: the resulting record, and the follower as now stored. */
export interface AppliedChange {
  record: FollowerRecord;
  /** The document after the write and its linkage settle (null if it vanished meanwhile). */
  stored: StoredFollower | null;
}

/** Applies one change to the follower `(appid, openid)`; returns the resulting record. */
export async function applyEventToFollower(
  deps: StoreDeps,
  ref: { appid: string; openid: string },
  change: FollowerChange,
  options: ChangeOptions | FollowerSource,
): Promise<FollowerRecord> {
  return (await applyChangeToFollower(deps, ref, change, options)).record;
}

/**
 * applyEventToFollower, also returning the stored document. `known` is the
 * follower as an earlier call returned it (`stored`): it replaces the first
 * read, because the write is guarded by its version and so matches nothing
 * if the follower changed since; only an attempt that ends with no write
 * (nothing changed) reads the follower to be sure.
 */
export async function applyChangeToFollower(
  deps: StoreDeps,
  ref: { appid: string; openid: string },
  change: FollowerChange,
  options: ChangeOptions | FollowerSource,
  known: StoredFollower | null = null,
): Promise<AppliedChange> {
  const opts: ChangeOptions = typeof options === 'string' ? { source: options } : options;
  const Followers = deps.models.Follower;
  const written = await retryOnConflict('follower state', async (round) => {
    const trusted = round === 0 && known !== null;
    const doc = trusted ? known : await Followers.findOne(ref).lean<StoredFollower>();
    const now = deps.clock.now();
    const retention = retentionOf(deps);
    const live = doc !== null && !isExpiredTombstone(doc, now, retention) ? doc : null;
    const next = reduceFollower(live === null ? null : stateOf(live), change, retention);
    const set = updateOf(live, next, opts, now);
    const record: FollowerRecord = { ...next, source: set.source as FollowerSource };
    if (doc === null) {
      // E11000: someone created it first; the next round applies on top of theirs.
      const created = await Followers.create({ ...ref, ...set, version: 1, createdAt: now });
      return { record, stored: created.toObject<StoredFollower>() };
    }
    const unchanged =
      live !== null && sameState(stateOf(live), next) && live.unionidPending === set.unionidPending;
    if (unchanged && trusted) return CONFLICT; // no write to vouch for `known`: read it
    if (unchanged) return { record: { ...next, source: doc.source }, stored: doc };
    const stored: StoredFollower = { ...doc, ...set, version: doc.version + 1 };
    const res = await Followers.updateOne(
      { _id: doc._id, version: doc.version },
      { $set: { ...set, version: stored.version } },
    );
    return res.matchedCount === 1 ? { record, stored } : CONFLICT;
  });
  if (!written.stored.linkagePending) return written;
  return { ...written, stored: await settleLinkage(deps, ref, false, written.stored) };
}

/** One follower's snapshot (import, reconciliation). */
export interface SnapshotInput {
  openid: string;
  event: FollowerChange;
}

/** What a batch of snapshots did. */
export interface BatchResult {
  /** Followers whose record was created or changed. */
  written: number;
  /** Followers whose record already said the same (e.g. a resumed page). */
  unchanged: number;
}

/**
 * Applies many snapshots (the import) with one read and one bulkWrite. Each
 * write is still guarded (insert relies on the unique index, update on the
 * version); when any guarded write loses a race, the whole batch is re-applied
 * one by one, which is safe because the reducer is idempotent. Snapshots come
 * from batchget, so their unionid lookup has been answered.
 */
export async function applySnapshotsToFollowers(
  deps: StoreDeps,
  appid: string,
  snapshots: readonly SnapshotInput[],
): Promise<BatchResult> {
  const result: BatchResult = { written: 0, unchanged: 0 };
  if (snapshots.length === 0) return result;
  const Followers = deps.models.Follower;
  const existing = await Followers.find({
    appid,
    openid: { $in: snapshots.map((s) => s.openid) },
  }).lean<StoredFollower[]>();
  const byOpenid = new Map(existing.map((doc) => [doc.openid, doc]));
  const now = deps.clock.now();
  const options: ChangeOptions = { source: 'backfill', lookedUp: true };
  const retention = retentionOf(deps);

  type Op = Parameters<FollowerModel['bulkWrite']>[0][number];
  const ops: Op[] = [];
  const touched: string[] = [];
  let expectedUpdates = 0;
  for (const { openid, event } of snapshots) {
    const found = byOpenid.get(openid);
    const doc =
      found && !isExpiredTombstone(found, deps.clock.now(), retention) ? found : undefined;
    const next = reduceFollower(doc ? stateOf(doc) : null, event, retention);
    const set = updateOf(doc ?? null, next, options, now);
    if (set.linkagePending) touched.push(openid);
    if (found === undefined) {
      ops.push({ insertOne: { document: { appid, openid, ...set, version: 1, createdAt: now } } });
      continue;
    }
    if (doc && sameState(stateOf(doc), next) && doc.unionidPending === set.unionidPending) {
      result.unchanged++;
      continue;
    }
    ops.push({
      updateOne: {
        filter: { _id: found._id, version: found.version },
        update: { $set: { ...set, version: found.version + 1 } },
      },
    });
    expectedUpdates++;
  }
  if (ops.length === 0) return result;
  result.written = ops.length;
  if (!(await bulkApplied(Followers, ops, ops.length - expectedUpdates, expectedUpdates))) {
    // Lost a race somewhere: redo this batch one follower at a time (idempotent).
    for (const { openid, event } of snapshots) {
      await applyEventToFollower(deps, { appid, openid }, event, options);
    }
    return result;
  }
  for (const openid of touched) await settleLinkage(deps, { appid, openid });
  return result;
}

async function bulkApplied(
  Followers: FollowerModel,
  ops: Parameters<FollowerModel['bulkWrite']>[0],
  inserts: number,
  updates: number,
): Promise<boolean> {
  try {
    const res = await Followers.bulkWrite(ops, { ordered: false });
    return res.insertedCount === inserts && res.matchedCount === updates;
  } catch (err) {
    // A duplicate key means a live push created the follower meanwhile.
    if (!hasOnlyDuplicateKeyErrors(err)) throw err;
    return false;
  }
}

/** The follower a user is linked to, with what the linkage needs. */
export type LinkedFollower = FollowerState & Pick<Follower, 'openid' | 'linkedUserId' | 'linkage'>;

/**
 * How many documents the view's combined read returns at most for one user
 * (one more per further user read with it). Beyond it (a burst of new
 * followers whose unionid lookups are all pending) the user's own record is
 * read on its own.
 */
const VIEW_READ_LIMIT = 20;

/** One user's subscription-view read: whose record, in which account, since when a follow is new. */
export interface FollowerViewQuery {
  appid: string;
  unionid: string;
  /** Unix seconds: a pending lookup of a follow since then may be this user's. */
  pendingSince: number;
}

/** The follower the user is linked to, and whether a pending lookup may be theirs. */
export interface FollowerViewAnswer {
  follower: LinkedFollower | null;
  /**
   * Some follower who followed since `pendingSince` still waits for its
   * unionid lookup. Exact when `follower` is null (the only case the
   * subscription status reads it); with a match it may miss a pending
   * follower past the page.
   */
  lookupPending: boolean;
}

/**
 * The subscription view's read for users of one account (several when
 * logins arrive together, followers/view-reads.ts): each user's follower by
 * unionid (should two openids ever carry one unionid, the newest state wins),
 * and whether any follower who followed since the user's `pendingSince` still
 * waits for its unionid lookup (which may be that user). One `$or` query,
 * newest first: the first match in it is a user's newest match. A page that
 * came back full is not the whole answer, so a user without a match in it is
 * read again alone, as a lone user is (and a lone user's full page without a
 * match falls back to reading the match alone).
 */
export async function findFollowersForViews(
  deps: FollowerReadDeps,
  appid: string,
  queries: readonly Omit<FollowerViewQuery, 'appid'>[],
): Promise<FollowerViewAnswer[]> {
  const unionids = [...new Set(queries.map((q) => q.unionid))];
  const limit = VIEW_READ_LIMIT + unionids.length - 1;
  // Every login reads this: sent with the driver (strings, a boolean and a
  // number need no casting), without mongoose's query machinery.
  const docs = await deps.models.Follower.collection
    .find<Follower>({
      appid,
      $or: [
        { unionid: { $in: unionids } },
        { ...PENDING_LOOKUP, stateAt: { $gte: Math.min(...queries.map((q) => q.pendingSince)) } },
      ],
    })
    .sort({ stateAt: -1 })
    .limit(limit)
    .toArray();
  const complete = docs.length < limit;
  return Promise.all(
    queries.map(async (query) => {
      const match = docs.find((doc) => doc.unionid === query.unionid) ?? null;
      if (match !== null || complete) return viewAnswer(match, docs, query.pendingSince);
      if (queries.length > 1) return (await findFollowersForViews(deps, appid, [query]))[0]!;
      const own = await deps.models.Follower.findOne({ appid, unionid: query.unionid })
        .sort({ stateAt: -1 })
        .lean<Follower>();
      return viewAnswer(own, docs, query.pendingSince);
    }),
  );
}

/** A follower whose unionid lookup is still owed (with a `stateAt` bound: a new follow). */
const PENDING_LOOKUP = { unionidPending: true, subscribed: true } as const;

function viewAnswer(
  match: Follower | null,
  docs: readonly Follower[],
  pendingSince: number,
): FollowerViewAnswer {
  const isPending = (doc: Follower): boolean =>
    doc.unionidPending === true && doc.subscribed && doc.stateAt >= pendingSince;
  return { follower: match && linkedFollowerOf(match), lookupPending: docs.some(isPending) };
}

function linkedFollowerOf(doc: Follower): LinkedFollower {
  return {
    ...stateOf(doc),
    openid: doc.openid,
    linkedUserId: doc.linkedUserId ?? null,
    linkage: doc.linkage ?? null,
  };
}

/** The follower by openid with where its state came from (a tombstone past its 7 days is absent). */
export async function findFollowerRecordByOpenid(
  deps: FollowerReadDeps & { readonly clock: Clock; readonly config: AppDeps['config'] },
  appid: string,
  openid: string,
): Promise<FollowerRecord | null> {
  const doc = await deps.models.Follower.findOne({ appid, openid }).lean<Follower>();
  if (doc === null) return null;
  if (isExpiredTombstone(doc, deps.clock.now(), deps.config.linkage.followerRetention)) return null;
  return { ...stateOf(doc), source: doc.source };
}
