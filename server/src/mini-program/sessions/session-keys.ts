import type { AppDeps } from '../../deps';
import { CONFLICT, retryOnConflict } from '../../platform/retry';
import type { SessionKeyRecord } from './session-key.model';

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
 * Records the session_key code2Session just returned for `openid`. Latest
 * wins: each write is a compare-and-set on the stored `current`
 * (retryOnConflict), so when two logins race the one stamped later ends up
 * current and the other becomes `previous` (kept for the grace window)
 * instead of overwriting it.
 */
export async function storeSessionKey(deps: Deps, openid: string, key: string): Promise<void> {
  const issuedAt = nextIssuedAt(deps.clock.now());
  await retryOnConflict('session_key rotation', async () => {
    const doc = await deps.models.SessionKey.findOne({ openid }).lean<SessionKeyRecord>().exec();
    const now = deps.clock.now();
    if (!doc) {
      // E11000 when a racing first login inserted it: the next round reads theirs.
      await deps.models.SessionKey.create({
        openid,
        current: { key, issuedAt },
        previous: null,
        updatedAt: now,
      });
      return true;
    }
    if (doc.current.key === key) return true; // WeChat handed out the same key again
    const write =
      doc.current.issuedAt > issuedAt
        ? keepAsPrevious(doc, key, issuedAt, now)
        : promote(doc, key, issuedAt, now);
    if (write === null) return true;
    const res = await deps.models.SessionKey.updateOne(write.filter, write.update).exec();
    return res.matchedCount === 1 ? true : CONFLICT;
  });
}

interface GuardedWrite {
  filter: Record<string, unknown>;
  update: Record<string, unknown>;
}

/**
 * A later login already won: ours is older than `current` but may still be
 * newer than `previous`; keep whichever is newer there (null: nothing to do).
 */
function keepAsPrevious(
  doc: SessionKeyRecord,
  key: string,
  issuedAt: number,
  now: Date,
): GuardedWrite | null {
  if (doc.previous && doc.previous.issuedAt >= issuedAt) return null;
  return {
    filter: {
      openid: doc.openid,
      'current.issuedAt': doc.current.issuedAt,
      ...(doc.previous ? { 'previous.issuedAt': doc.previous.issuedAt } : { previous: null }),
    },
    update: {
      $set: {
        previous: { key, issuedAt, rotatedAt: new Date(doc.current.issuedAt) },
        updatedAt: now,
      },
    },
  };
}

/** Ours is the newest: it becomes `current`, the old current becomes `previous`. */
function promote(doc: SessionKeyRecord, key: string, issuedAt: number, now: Date): GuardedWrite {
  return {
    filter: {
      openid: doc.openid,
      'current.key': doc.current.key,
      'current.issuedAt': doc.current.issuedAt,
    },
    update: {
      $set: {
        current: { key, issuedAt },
        previous: { ...doc.current, rotatedAt: new Date(issuedAt) },
        updatedAt: now,
      },
    },
  };
}

export interface UsableSessionKeys {
  current: string | null;
  /** The replaced key, only while it is inside the grace window. */
  previous: string | null;
  /** The replaced key once its grace window is over (never accepted; tells "outdated" from "forged"). */
  expiredPrevious: string | null;
}

/** The keys a getUserInfo payload may be signed with: current, and previous within the grace window. */
export async function usableSessionKeys(deps: Deps, openid: string): Promise<UsableSessionKeys> {
  const doc = await deps.models.SessionKey.findOne({ openid }).lean<SessionKeyRecord>().exec();
  if (!doc) return { current: null, previous: null, expiredPrevious: null };
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
