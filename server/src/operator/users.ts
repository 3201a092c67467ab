import { Types } from 'mongoose';
import type { AppDeps } from '../deps';
import { AppError } from '../platform/errors';
import type { User } from '../mini-program/users/user.model';
import { isLiveUser } from '../mini-program/account/delete-account';

type Deps = Pick<AppDeps, 'models' | 'clock'>;

/** Longest block reason kept (a note for support, not a document). */
export const BLOCK_REASON_MAX_LENGTH = 500;

/** The user's id as the API shows it (`user.id`): 24 hex digits. */
export function isUserId(text: string): boolean {
  return /^[0-9a-f]{24}$/i.test(text);
}

function unknownUser(userId: string): AppError {
  return new AppError('INVALID_REQUEST', `no user with id ${userId} (deleted, or never existed)`);
}

/**
 * Revokes every live session of a user (their tokens answer 401 from now on;
 * the records stay until they expire, for support). Returns how many were
 * live. Unknown (or deleted) user: AppError INVALID_REQUEST.
 */
export async function revokeUserSessions(deps: Deps, userId: string): Promise<number> {
  const id = await existingUserId(deps, userId);
  const res = await deps.models.Session.updateMany(
    { userId: id, revokedAt: null },
    { $set: { revokedAt: deps.clock.now() } },
  ).exec();
  return res.modifiedCount;
}

/**
 * Blocks a user: login and every authenticated route answer 403
 * ACCOUNT_BLOCKED, and their sessions are revoked (so unblocking does not
 * revive old tokens). Blocking a blocked user replaces the reason.
 */
export async function blockUser(
  deps: Deps,
  userId: string,
  reason: string | null,
): Promise<{ revokedSessions: number }> {
  const now = deps.clock.now();
  const res = await deps.models.User.updateOne(
    { _id: parseId(userId), deletedAt: null },
    { $set: { blockedAt: now, blockedReason: reason, updatedAt: now } },
  ).exec();
  if (res.matchedCount === 0) throw unknownUser(userId);
  // After the flag: a login racing the block either sees it or issued a
  // session that is revoked here (or refused by the flag if issued later).
  return { revokedSessions: await revokeUserSessions(deps, userId) };
}

/** Lifts a block; the user logs in again (their sessions were revoked when blocked). */
export async function unblockUser(deps: Deps, userId: string): Promise<{ wasBlocked: boolean }> {
  const user = await deps.models.User.findOneAndUpdate(
    { _id: parseId(userId), deletedAt: null },
    { $set: { blockedAt: null, blockedReason: null, updatedAt: deps.clock.now() } },
    { returnDocument: 'before' },
  )
    .lean<User>()
    .exec();
  if (!user) throw unknownUser(userId);
  return { wasBlocked: user.blockedAt != null };
}

function parseId(userId: string): Types.ObjectId {
  if (!isUserId(userId)) throw new AppError('USAGE', `--user must be a user id (24 hex digits)`);
  return new Types.ObjectId(userId);
}

async function existingUserId(deps: Deps, userId: string): Promise<Types.ObjectId> {
  const id = parseId(userId);
  if (!(await isLiveUser(deps, id))) throw unknownUser(userId);
  return id;
}
