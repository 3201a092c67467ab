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
 * How long after its tombstone a deleted user's in-flight requests may still
 * land writes: a login that matched the user just before the tombstone
 * writes its session and audit line afterwards. Far above any request's
 * life (API_REQUEST_DEADLINE_MS, the driver's server selection timeout of 30 s);
 * deletion-sweep.ts finishes a deletion only once it has passed.
 */
export const DELETION_SETTLE_MS = 10 * 60_000;

/**
 * DELETE /api/v1/me (注销). Erases the user and everything personal kept
 * about them; every token dies at once; a later login of the same WeChat
 * user creates a new user.
 *
 * The order makes any interleaving with the user's other requests safe:
 * 1. the former `session_keys` record (keyed by openid, which the tombstone
 *    replaces);
 * 2. tombstone: one atomic write sets `deletedAt`, clears the personal
 *    fields and the session_keys, and replaces `miniOpenid`. From here
 *    authentication refuses every token of the user (401), and a concurrent
 *    login no longer matches this document: it creates a new user instead of
 *    reviving this one;
 * 3. dependents, each idempotent: sessions, avatar files, and the personal
 *    fields of the login audit;
 * 4. the tombstone's blanking once more. On MongoDB nothing can write a
 *    personal field onto a tombstone (the login upsert matches by openid and
 *    profile writes by `deletedAt: null`, each atomically), but the embedded
 *    database (`npm run dev`, the tests) applies a findAndModify's update
 *    after re-reading the document by id, so a login or profile write that
 *    matched just before step 2 can land just after it.
 * The answer is 204 here: nothing personal is left. The tombstone stays until
 * deletion-sweep.ts, after DELETION_SETTLE_MS, erases the dependents once
 * more (what requests in flight at step 2 wrote afterwards: a login's session
 * and audit line, an avatar upload) and deletes it. A crash between the steps
 * leaves a tombstone, which the same sweep finishes.
 *
 * A concurrent second deletion of the same user runs the same idempotent
 * steps and also answers 204 (or 401 once the tombstone is written). What is
 * not stored by user: the official account's follower records are joined to
 * users by unionid at read time, so nothing there belongs to the
 * mini-program account; they follow the follower's own lifecycle
 * (unsubscribe, FOLLOWER_RETENTION).
 */
export async function deleteAccount(
  deps: Deps,
  user: Pick<User, '_id' | 'miniOpenid'>,
): Promise<void> {
  await deps.models.SessionKey.deleteMany({ openid: user.miniOpenid }).exec();
  const deletedAt = deps.clock.now();
  await tombstone(deps, user._id, deletedAt);
  await eraseDependents(deps, user._id);
  await tombstone(deps, user._id, deletedAt);
  deps.logger.info({ userId: user._id.toHexString() }, 'account deleted (注销)');
}

/** Steps 2 and 4: one atomic write; a user already gone (deleted meanwhile) is 401. */
async function tombstone(deps: Deps, userId: Types.ObjectId, now: Date): Promise<void> {
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
      $unset: { sessionKeys: '' },
    },
  ).exec();
  if (res.matchedCount === 0) {
    throw new AppError('SESSION_INVALID', 'The user no longer exists; log in again');
  }
}

/** Everything kept by user id: sessions, avatar files, the audit's personal fields. Idempotent. */
export async function eraseDependents(
  deps: Pick<AppDeps, 'models' | 'db'>,
  userId: Types.ObjectId,
): Promise<void> {
  await Promise.all([
    deps.models.Session.deleteMany({ userId }).exec(),
    deleteAvatars(deps, userId),
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
