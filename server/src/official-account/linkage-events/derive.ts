import { createHash } from 'node:crypto';
import type { LinkageEventType } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import { CONFLICT, isDuplicateKeyError, retryOnConflict } from '../../platform/retry';
import type { Follower, StoredFollower } from '../followers/follower.model';
import { signalWrite } from '../write-signal';

/**
 * Linkage events derived from follower records. A user is linked to a
 * follower by unionid; their linkage is "followed" while such a follower is
 * subscribed. `settleLinkage` compares what the follower says now with the
 * last event emitted for it (`linkage` + `linkedUserId` on the record) and,
 * when they differ, stores the event in the outbox (unique stable id) and
 * then records it on the follower. Each step is idempotent, so running it
 * twice, on two instances, or again after a crash emits one event.
 *
 * A user who logs in after following (their unionid learned later) gets
 * `user.followed` too: the user view settles the follower it matches.
 */
export type LinkageDeps = Pick<AppDeps, 'models' | 'config' | 'clock'>;

/** The stable id of a linkage event: the same change always gets the same id. */
function linkageEventId(parts: {
  type: LinkageEventType;
  appid: string;
  openid: string;
  stateAt: number;
  userId: string;
}): string {
  const text = [parts.type, parts.appid, parts.openid, parts.stateAt, parts.userId].join('\n');
  return `lnk_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

interface Decision {
  type: LinkageEventType;
  userId: string;
}

/** What to emit for a follower, if anything (pure). */
function decideLinkage(
  doc: Pick<Follower, 'subscribed' | 'linkage' | 'linkedUserId'>,
  matchedUserId: string | null,
): Decision | null {
  const linkedTo = doc.linkage === 'followed' ? doc.linkedUserId : null;
  if (doc.subscribed && matchedUserId !== null) {
    return linkedTo === matchedUserId ? null : { type: 'user.followed', userId: matchedUserId };
  }
  return linkedTo !== null ? { type: 'user.unfollowed', userId: linkedTo } : null;
}

async function matchedUser(deps: LinkageDeps, doc: Follower): Promise<string | null> {
  if (!doc.subscribed || doc.unionid === null) return null;
  const user = await deps.models.User.findOne({ unionid: doc.unionid }).lean();
  return user === null ? null : user._id.toHexString();
}

async function storeEvent(deps: LinkageDeps, doc: Follower, decision: Decision): Promise<void> {
  const now = deps.clock.now();
  const eventId = linkageEventId({
    ...decision,
    appid: doc.appid,
    openid: doc.openid,
    stateAt: doc.stateAt,
  });
  try {
    await deps.models.LinkageOutbox.create({
      eventId,
      ...decision,
      appid: doc.appid,
      at: new Date(doc.stateAt * 1000),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
    });
  } catch (err) {
    // Already stored (a retry or another instance): the same change, the same id.
    if (!isDuplicateKeyError(err)) throw err;
  }
  signalWrite(deps.models.LinkageOutbox);
}

/**
 * Emits the linkage event the follower `(appid, openid)` owes, if any, and
 * clears its `linkagePending`; returns the follower as it is then stored
 * (null if there is none). `force` also checks a follower not flagged (a
 * user whose unionid became known after the follow). `known` is the document
 * as the caller's own write just stored it: used instead of a first read,
 * because every way out of an attempt that trusts it is the version-guarded
 * write, which matches nothing if the follower changed since (then the
 * follower is read again).
 */
export async function settleLinkage(
  deps: LinkageDeps,
  ref: { appid: string; openid: string },
  force = false,
  known: StoredFollower | null = null,
): Promise<StoredFollower | null> {
  const Followers = deps.models.Follower;
  // An event stored in an earlier round whose record lost the version race:
  // it goes out, so later rounds must decide from it, not from the record.
  let unrecorded: Decision | null = null;
  return retryOnConflict('linkage event', async (round) => {
    const trusted = round === 0 && known !== null;
    const read = trusted ? known : await Followers.findOne(ref).lean<StoredFollower>();
    const doc = read !== null && unrecorded !== null ? asEmitted(read, unrecorded) : read;
    const idle = doc === null || (!doc.linkagePending && !force && unrecorded === null);
    const decision = idle ? null : decideLinkage(doc, await matchedUser(deps, doc));
    if (idle || (decision === null && !doc.linkagePending && unrecorded === null)) {
      // Nothing to write, so nothing would vouch for a document not read here.
      return trusted ? CONFLICT : doc;
    }
    if (decision !== null) {
      await storeEvent(deps, doc, decision);
      unrecorded = decision;
    }
    const followed = decision?.type === 'user.followed';
    const keep = decision === null && doc.linkage === 'followed';
    const linkage = {
      linkage: followed || keep ? ('followed' as const) : null,
      linkedUserId: followed ? decision.userId : keep ? doc.linkedUserId : null,
      linkagePending: false,
      version: doc.version + 1,
    };
    // Guarded by the version read: a state change meanwhile re-flags and settles itself.
    const res = await Followers.updateOne(
      { _id: doc._id, version: doc.version },
      { $set: linkage },
    );
    return res.matchedCount === 1 ? { ...doc, ...linkage } : CONFLICT;
  });
}

/**
 * The follower as if `emitted` had been recorded on it: a follow event makes
 * the user linked, an unfollow event unlinks them (pure).
 */
function asEmitted(doc: StoredFollower, emitted: Decision): StoredFollower {
  if (emitted.type === 'user.followed') {
    return { ...doc, linkage: 'followed', linkedUserId: emitted.userId };
  }
  return doc.linkedUserId === emitted.userId ? { ...doc, linkage: null, linkedUserId: null } : doc;
}

/** Settles followers whose flag was left set (a crash between the write and the event). */
export async function settlePendingLinkage(deps: LinkageDeps, olderThan: Date): Promise<number> {
  const stale = await deps.models.Follower.find({
    linkagePending: true,
    updatedAt: { $lt: olderThan },
  })
    .limit(100)
    .lean<Follower[]>();
  for (const doc of stale) await settleLinkage(deps, { appid: doc.appid, openid: doc.openid });
  return stale.length;
}
