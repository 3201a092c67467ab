import { randomToken } from './ids';
import { wechatError } from './errors';

/**
 * Access tokens, as WeChat issues them:
 *
 * - `cgi-bin/token` mints a new token on every call; the previous one keeps
 *   working for at most 5 more minutes (the docs' overlap window).
 * - `cgi-bin/stable_token` is a separate family ("完全隔离"): in normal mode
 *   it returns the current token until less than 5 minutes remain, then mints
 *   a fresh one; `force_refresh: true` revokes the current one at once.
 * - Tokens last 7200 s. Expired → 42001; revoked/unknown → 40001.
 */

export const TOKEN_TTL_SECONDS = 7200;
const OVERLAP_MS = 5 * 60 * 1000;

type Family = 'token' | 'stable';

interface TokenRecord {
  appid: string;
  family: Family;
  expiresAt: number;
  revoked: boolean;
}

export interface IssuedToken {
  access_token: string;
  expires_in: number;
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly currentStable = new Map<string, string>();
  private readonly issued = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  private mint(appid: string, family: Family): IssuedToken {
    const token = randomToken(96);
    this.tokens.set(token, {
      appid,
      family,
      expiresAt: this.now() + TOKEN_TTL_SECONDS * 1000,
      revoked: false,
    });
    this.issued.set(appid, (this.issued.get(appid) ?? 0) + 1);
    return { access_token: token, expires_in: TOKEN_TTL_SECONDS };
  }

  /** `cgi-bin/token`: always a new token; older ones of the family fade out. */
  issueToken(appid: string): IssuedToken {
    const cutoff = this.now() + OVERLAP_MS;
    for (const rec of this.tokens.values()) {
      if (rec.appid === appid && rec.family === 'token' && rec.expiresAt > cutoff) {
        rec.expiresAt = cutoff;
      }
    }
    return this.mint(appid, 'token');
  }

  /** `cgi-bin/stable_token`; `minted` tells a new token from the current one handed out again. */
  stableToken(appid: string, forceRefresh: boolean): { issued: IssuedToken; minted: boolean } {
    const current = this.currentStable.get(appid);
    const rec = current === undefined ? undefined : this.tokens.get(current);
    if (current !== undefined && rec && !rec.revoked) {
      const remaining = rec.expiresAt - this.now();
      if (forceRefresh) {
        rec.revoked = true;
      } else if (remaining > OVERLAP_MS) {
        return {
          issued: { access_token: current, expires_in: Math.floor(remaining / 1000) },
          minted: false,
        };
      }
    }
    const fresh = this.mint(appid, 'stable');
    this.currentStable.set(appid, fresh.access_token);
    return { issued: fresh, minted: true };
  }

  /**
   * Validates `token` for a route belonging to `appid`; throws the WeChat
   * error a real call would get.
   */
  check(token: string | undefined, appid: string): void {
    if (!token) throw wechatError('ACCESS_TOKEN_MISSING');
    const rec = this.tokens.get(token);
    if (!rec || rec.revoked) throw wechatError('INVALID_CREDENTIAL');
    if (this.now() >= rec.expiresAt) throw wechatError('ACCESS_TOKEN_EXPIRED');
    if (rec.appid !== appid) throw wechatError('API_UNAUTHORIZED');
  }

  /** Revokes every token of `appid` (all apps when omitted): calls answer 40001. */
  invalidate(appid?: string): number {
    let n = 0;
    for (const rec of this.tokens.values()) {
      if (!rec.revoked && (appid === undefined || rec.appid === appid)) {
        rec.revoked = true;
        n += 1;
      }
    }
    return n;
  }

  issuedCounts(): Record<string, number> {
    return Object.fromEntries(this.issued);
  }
}
