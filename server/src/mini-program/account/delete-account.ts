import { mongo, type Types } from 'mongoose';
import type { AppDeps } from '../../deps';
import { AppError } from '../../platform/errors';
import type { User } from '../users/user.model';

type Deps = Pick<AppDeps, 'models' | 'clock' | 'db' | 'logger'>;

/**
 * The GridFS bucket uploads are stored in, each file owned through
 * `metadata.userId` (see profile/avatar.ts, storeAvatar).
 */
const AVATAR_BUCKET = 'avatars';

/** The tombstone's miniOpenid: unique per user and never a WeChat openid. */
export function tombstoneOpenid(userId: Types.ObjectId): string {
  return `deleted:${userId.toHexString()}`;
}

/** Whether the user exists and is not tombstoned (a tombstone is as gone as a deleted user). */
export async function isLiveUser(
  deps: Pick<AppDeps, 'models'>,
  userId: Types.ObjectId,
): Promise<boolean> {
  return (await deps.models.User.exists({ _id: userId, deletedAt: null }).exec()) !== null;
}

/**
 * DELETE /api/v1/me (注销). Erases the user and everything personal kept
 * about them; every token dies; a later login of the same WeChat user
 * creates a new user.
 *
 * The order makes any interleaving with the user's other requests safe:
 * 1. tombstone: one atomic write sets `deletedAt`, clears the personal
 *    fields and replaces `miniOpenid`. From here authentication refuses every
 *    token of the user (401), and a concurrent login no longer matches this
 *    document: it creates a new user instead of reviving this one.
 * 2. dependents, each idempotent: sessions, the session_key record, avatar
 *    files, and the personal fields of the login audit.
 * 3. the user document itself. A request that authenticated before step 1
 *    and writes afterwards cannot bring it back: updateUser never upserts
 *    (a missing user is 401).
 * 4. the dependents once more, for writes of such in-flight requests that
 *    landed during steps 2-3 (a session issued by a login that matched before
 *    step 1, an avatar upload, an audit line).
 *
 * A concurrent second deletion of the same user runs the same idempotent
 * steps and also answers 204 (or 401 once the document is gone). A login of
 * the same WeChat user racing the deletion gets a new user, but may lose the
 * session_key it just stored (keyed by openid, erased in step 2): its next
 * profile authorization answers 409 SESSION_KEY_STALE and the client logs in
 * again, as after any key rotation. What is not stored by user: the official
 * account's follower records are joined to users by unionid at read time,
 * so nothing there belongs to the mini-program account; they follow the
 * follower's own lifecycle (unsubscribe, FOLLOWER_RETENTION).
 */
export async function deleteAccount(
  deps: Deps,
  user: Pick<User, '_id' | 'miniOpenid'>,
): Promise<void> {
  await tombstone(deps, user._id);
  await eraseDependents(deps, user._id, user.miniOpenid);
  await deps.models.User.deleteOne({ _id: user._id }).exec();
  await eraseDependents(deps, user._id, user.miniOpenid);
  deps.logger.info({ userId: user._id.toHexString() }, 'account deleted (注销)');
}

/** Step 1: one atomic write; a user already gone (deleted meanwhile) is 401. */
async function tombstone(deps: Deps, userId: Types.ObjectId): Promise<void> {
  const now = deps.clock.now();
  const res = await deps.models.User.updateOne(
    { _id: userId },
    {
      $set: {
        deletedAt: now,
        miniOpenid: tombstoneOpenid(userId),
        unionid: null,
        nickname: null,
        avatarUrl: null,
        gender: null,
        profileSource: null,
        phone: null,
        lastLoginIp: null,
        updatedAt: now,
      },
    },
  ).exec();
  if (res.matchedCount === 0) {
    throw new AppError('SESSION_INVALID', 'The user no longer exists; log in again');
  }
}

/** Steps 2 and 4: everything kept by user id or by the user's openid. Idempotent. */
async function eraseDependents(deps: Deps, userId: Types.ObjectId, openid: string): Promise<void> {
  await Promise.all([
    deps.models.Session.deleteMany({ userId }).exec(),
    deps.models.SessionKey.deleteMany({ openid }).exec(),
    deleteAvatars(deps, userId),
    unlinkAudits(deps, userId),
  ]);
}

/**
 * What a login wrote for a user that a deletion tombstoned meanwhile: its
 * session and the personal fields of its audit line (the session_key record
 * is the WeChat user's current key, kept for the new user that login makes).
 */
export async function eraseLoginTraces(
  deps: Pick<AppDeps, 'models'>,
  userId: Types.ObjectId,
): Promise<void> {
  await Promise.all([
    deps.models.Session.deleteMany({ userId }).exec(),
    unlinkAudits(deps, userId),
  ]);
}

/** Outcome and time stay for abuse statistics; nothing links them to a person. */
function unlinkAudits(deps: Pick<AppDeps, 'models'>, userId: Types.ObjectId): Promise<unknown> {
  return deps.models.LoginAudit.updateMany(
    { userId },
    { $set: { userId: null, ip: null, userAgent: null } },
  ).exec();
}

/**
 * An avatar stored for `userId` after the user was tombstoned or deleted
 * (an upload that authenticated just before 注销 and finished after its
 * sweeps) is deleted again, and the upload answers 401. Called after the file
 * is written: either the owner was still live at this check, so the file
 * existed before the tombstone and the deletion's sweep finds it, or it is
 * removed here.
 */
export async function discardAvatarOfDeletedUser(
  deps: Pick<AppDeps, 'models' | 'db'>,
  userId: Types.ObjectId,
): Promise<void> {
  if (await isLiveUser(deps, userId)) return;
  await deleteAvatars(deps, userId);
  throw new AppError('SESSION_INVALID', 'The user no longer exists; log in again');
}

/** Every avatar file the user uploaded (chunks included). */
async function deleteAvatars(deps: Pick<AppDeps, 'db'>, userId: Types.ObjectId): Promise<void> {
  const db = deps.db.db;
  if (!db) throw new Error('database not connected');
  const bucket = new mongo.GridFSBucket(db, { bucketName: AVATAR_BUCKET });
  const files = await bucket.find({ 'metadata.userId': userId.toHexString() }).toArray();
  for (const file of files) {
    try {
      await bucket.delete(file._id);
    } catch (err) {
      // A concurrent deletion of the same account removed it first.
      if (!(err instanceof mongo.MongoRuntimeError) || !/File not found/i.test(err.message)) {
        throw err;
      }
    }
  }
}
