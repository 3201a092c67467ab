import type { AppDeps } from '../../deps';
import type { User } from '../users/user.model';
import type { SessionKeyRecord } from './session-key.model';
import {
  entriesToDrop,
  readSessionKeyHistory,
  sessionKeyEntries,
  sessionKeyField,
} from './session-key-history';

type Deps = Pick<AppDeps, 'models' | 'clock' | 'config'>;

let lastIssuedAt = 0;

/**
 * A per-process strictly increasing stamp in ms. Two logins of one user
 * within the same millisecond still get an order; across instances the
 * clocks (NTP) order them, which is as good as the order WeChat saw them.
 */
function nextIssuedAt(now: Date): number {
  lastIssuedAt = Math.max(now.getTime(), lastIssuedAt + 1);
  return lastIssuedAt;
}

/**
 * The `$set` entry that records the session_key code2Session just returned,
 * for the login's user upsert (sessions.ts): the key travels in the write
 * the login makes anyway. Latest wins when reading (session-key-history.ts).
 */
export function sessionKeyWrite(now: Date, key: string): Record<string, string> {
  return { [`sessionKeys.${sessionKeyField(nextIssuedAt(now))}`]: key };
}

/**
 * Drops the entries of `user.sessionKeys` (as the login's upsert returned
 * them) that no reader can need any more: a blind `$unset`, so it runs beside
 * the login's other writes. Nothing to drop (a first login, the usual second
 * one): no command at all. A returning user's every second or third login
 * sends it, so it goes through the driver: an ObjectId and field names need
 * no casting, and mongoose's query machinery was most of its CPU
 * (bench/README.md, step 8).
 */
export async function dropReplacedSessionKeys(
  deps: Pick<AppDeps, 'models'>,
  user: Pick<User, '_id' | 'sessionKeys'>,
): Promise<void> {
  const fields = entriesToDrop(sessionKeyEntries(user.sessionKeys));
  if (fields.length === 0) return;
  const unset = Object.fromEntries(fields.map((f) => [`sessionKeys.${f}`, '']));
  await deps.models.User.collection.updateOne({ _id: user._id }, { $unset: unset });
}

export interface UsableSessionKeys {
  current: string | null;
  /** The replaced key, only while it is inside the grace window. */
  previous: string | null;
  /** The replaced key once its grace window is over (never accepted; tells "outdated" from "forged"). */
  expiredPrevious: string | null;
}

const NONE: UsableSessionKeys = { current: null, previous: null, expiredPrevious: null };

/**
 * The keys a getUserInfo payload may be signed with: current, and previous
 * within SESSION_KEY_GRACE_SECONDS of being replaced. Read from the user
 * document the request has already loaded; a user who has not logged in
 * since the keys moved there still has them in the former `session_keys`
 * collection, read once here (its next login writes the new form).
 */
export async function usableSessionKeys(
  deps: Deps,
  user: Pick<User, 'miniOpenid' | 'sessionKeys'>,
): Promise<UsableSessionKeys> {
  const history = readSessionKeyHistory(sessionKeyEntries(user.sessionKeys));
  if (history === null) return legacySessionKeys(deps, user.miniOpenid);
  const graceMs = deps.config.sessionKeyGraceSeconds * 1000;
  const inGrace = deps.clock.now().getTime() - history.currentSince <= graceMs;
  return {
    current: history.current,
    previous: inGrace ? history.previous : null,
    expiredPrevious: inGrace ? null : history.previous,
  };
}

/** The former `{current, previous}` record of `session_keys`, with the same grace rule. */
async function legacySessionKeys(deps: Deps, openid: string): Promise<UsableSessionKeys> {
  const doc = await deps.models.SessionKey.findOne({ openid }).lean<SessionKeyRecord>().exec();
  if (!doc) return NONE;
  const graceMs = deps.config.sessionKeyGraceSeconds * 1000;
  const inGrace =
    doc.previous !== null &&
    deps.clock.now().getTime() - doc.previous.rotatedAt.getTime() <= graceMs;
  return {
    current: doc.current.key,
    previous: inGrace ? (doc.previous?.key ?? null) : null,
    expiredPrevious: !inGrace ? (doc.previous?.key ?? null) : null,
  };
}
