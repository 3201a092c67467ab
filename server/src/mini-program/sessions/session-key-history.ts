/**
 * The session_keys WeChat handed out for one user, kept in the user document
 * as `sessionKeys: {k<issuedAtMs>: key}`, and the pure rules over them.
 *
 * Why a map of stamped entries instead of `{current, previous}`: a login
 * records its key inside the user upsert it makes anyway (one database
 * round trip, no read first), and that write needs no knowledge of what is
 * stored: it only adds its own entry. Which key is current is decided when
 * reading (the newest stamp wins, so of two racing logins the later one is
 * current, whatever order their writes landed in), and entries nobody can
 * need any more are dropped by a later, blind `$unset` (entriesToDrop).
 */

/** One recorded key: when this server received it (ms, strictly increasing per process) and the key. */
export interface SessionKeyEntry {
  issuedAt: number;
  key: string;
}

/** The stored form: field `k<issuedAt>` → base64 session_key. */
export type StoredSessionKeys = Readonly<Record<string, string>>;

const FIELD = /^k(\d{1,16})$/;

/** The field name of an entry (a field name may not start with `$` or hold dots; digits alone read as an index). */
export function sessionKeyField(issuedAt: number): string {
  return `k${issuedAt}`;
}

/** The stored entries, newest first; fields that are not entries are ignored. */
export function sessionKeyEntries(
  stored: StoredSessionKeys | ReadonlyMap<string, string> | null | undefined,
): SessionKeyEntry[] {
  const entries: SessionKeyEntry[] = [];
  // A lean read gives a plain object; a mongoose document would give a Map.
  const fields: [string, unknown][] =
    stored instanceof Map
      ? [...(stored as ReadonlyMap<string, string>).entries()]
      : Object.entries(stored ?? {});
  for (const [field, key] of fields) {
    const stamp = FIELD.exec(field);
    if (stamp && typeof key === 'string') entries.push({ issuedAt: Number(stamp[1]), key });
  }
  return entries.sort((a, b) => b.issuedAt - a.issuedAt);
}

/** What the entries say, before the grace window is applied. */
export interface SessionKeyHistory {
  /** The newest key. */
  current: string;
  /** When `current` was first received (the start of its run of equal entries). */
  currentSince: number;
  /** The key `current` replaced, if any. */
  previous: string | null;
}

/**
 * Reads the history from entries sorted newest first. A login only "可能会生成
 * 新的登录态session_key" (api_checksessionkey, wx.checkSession): WeChat often
 * hands out the same key again, so consecutive entries with one key are one
 * run; the grace window of the replaced key counts from the first entry of
 * the current run.
 */
export function readSessionKeyHistory(
  newestFirst: readonly SessionKeyEntry[],
): SessionKeyHistory | null {
  const newest = newestFirst[0];
  if (newest === undefined) return null;
  const runEnd = runLength(newestFirst);
  return {
    current: newest.key,
    currentSince: newestFirst[runEnd - 1]!.issuedAt,
    previous: newestFirst[runEnd]?.key ?? null,
  };
}

/** How many entries from the start carry the newest key. */
function runLength(newestFirst: readonly SessionKeyEntry[]): number {
  let n = 1;
  while (n < newestFirst.length && newestFirst[n]!.key === newestFirst[0]!.key) n++;
  return n;
}

/**
 * Entries a user document may hold before a login drops the unneeded ones:
 * dropping in batches saves the write on most logins (each is a database
 * command on the login path), for a few dozen bytes.
 */
export const SESSION_KEY_ENTRIES_BEFORE_DROP = 4;

/**
 * The fields a login may `$unset` after seeing these entries (newest first)
 * without changing what any later reader decides: it keeps the newest and
 * the oldest entry of the current run (the key, and when it took over) and
 * the newest entry before the run (the previous key). Entries other logins
 * add meanwhile are not in the snapshot, so never dropped by it; and every
 * dropped entry is older than one that is kept, so no reader can need it.
 * Nothing is dropped until there are more than SESSION_KEY_ENTRIES_BEFORE_DROP.
 */
export function entriesToDrop(newestFirst: readonly SessionKeyEntry[]): string[] {
  if (newestFirst.length <= SESSION_KEY_ENTRIES_BEFORE_DROP) return [];
  const runEnd = runLength(newestFirst);
  const keep = new Set([0, runEnd - 1, runEnd]);
  return newestFirst.filter((_, i) => !keep.has(i)).map((e) => sessionKeyField(e.issuedAt));
}
