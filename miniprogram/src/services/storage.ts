import type { WxPort } from './wx-port';

/** Every key the kit writes starts with this, so it never collides with app keys. */
export const STORAGE_NAMESPACE = 'wxlink:';
export const STORAGE_KEYS = {
  session: `${STORAGE_NAMESPACE}session`,
} as const;

export interface StoredSession {
  token: string;
  /** ISO time from the server; past it the token is not even sent. */
  expiresAt: string;
}

function isStoredSession(value: unknown): value is StoredSession {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.token === 'string' &&
    v.token.length > 0 &&
    typeof v.expiresAt === 'string' &&
    !Number.isNaN(Date.parse(v.expiresAt))
  );
}

/**
 * The session token in wx storage. Storage can hold anything (an older app
 * version, a user clearing data mid-write), so reads are validated and a
 * corrupt entry counts as "no session".
 */
export class SessionStore {
  constructor(
    private readonly wx: WxPort,
    private readonly now: () => number = Date.now,
  ) {}

  read(): StoredSession | null {
    let raw: unknown;
    try {
      raw = this.wx.getStorageSync(STORAGE_KEYS.session);
    } catch {
      return null;
    }
    if (!isStoredSession(raw)) return null;
    if (Date.parse(raw.expiresAt) <= this.now()) return null;
    return raw;
  }

  write(session: StoredSession): void {
    this.wx.setStorageSync(STORAGE_KEYS.session, {
      token: session.token,
      expiresAt: session.expiresAt,
    });
  }

  clear(): void {
    for (const key of Object.values(STORAGE_KEYS)) {
      try {
        this.wx.removeStorageSync(key);
      } catch {
        // Best effort: a failing remove must not block logout.
      }
    }
  }
}
