import type { AppDeps } from '../../deps';
import { isDuplicateKeyError } from '../../models';
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

const MAX_ATTEMPTS = 20;

/**
 * Records the session_key code2Session just returned for `openid`. Latest
 * wins: each write is a compare-and-set on the stored `current`, so when two
 * logins race the one stamped later ends up current and the other becomes
 * `previous` (kept for the grace window) instead of overwriting it. A
 * pipeline update would do this in one statement; the embedded test
 * database has none, and the CAS loop works on both.
 */
export async function storeSessionKey(deps: Deps, openid: string, key: string): Promise<void> {
  const { SessionKey } = deps.models;
  const issuedAt = nextIssuedAt(deps.clock.now());
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    const doc = await SessionKey.findOne({ openid }).lean<SessionKeyRecord>().exec();
    if (!doc) {
      try {
        await SessionKey.create({
          openid,
          current: { key, issuedAt },
          previous: null,
          updatedAt: now,
        });
        return;
      } catch (err) {
        if (isDuplicateKeyError(err)) continue; // a racing first login inserted it
        throw err;
      }
    }
    if (doc.current.key === key) return; // WeChat handed out the same key again
    if (doc.current.issuedAt > issuedAt) {
      // A later login already won. Ours is older than current but may still be
      // newer than `previous`; keep whichever is newer there.
      if (doc.previous && doc.previous.issuedAt >= issuedAt) return;
      const res = await SessionKey.updateOne(
        {
          openid,
          'current.issuedAt': doc.current.issuedAt,
          ...(doc.previous ? { 'previous.issuedAt': doc.previous.issuedAt } : { previous: null }),
        },
        {
          $set: {
            previous: { key, issuedAt, rotatedAt: new Date(doc.current.issuedAt) },
            updatedAt: now,
          },
        },
      ).exec();
      if (res.matchedCount === 1) return;
      continue;
    }
    const res = await SessionKey.updateOne(
      { openid, 'current.key': doc.current.key, 'current.issuedAt': doc.current.issuedAt },
      {
        $set: {
          current: { key, issuedAt },
          previous: { ...doc.current, rotatedAt: new Date(issuedAt) },
          updatedAt: now,
        },
      },
    ).exec();
    if (res.matchedCount === 1) return;
  }
  throw new Error('session_key update kept conflicting');
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
