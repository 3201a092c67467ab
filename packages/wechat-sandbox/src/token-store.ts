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
 * - Force refresh: "建议开发者仅在access_token泄漏时使用强制刷新模式，该模式限制每天20次。
 *   考虑到数据安全，连续使用该模式时，请保证调用时间隔至少为30s，否则不会刷新"
 *   (getStableAccessToken, mini-program page); the account pages put it as
 *   "强制刷新模式每天限用 20 次且需间隔 30 秒". The limit is on uses of the mode,
 *   not on refreshes that took effect, so every force_refresh call counts
 *   toward the 20, including one inside the 30 s window. That one is not an
 *   error: it hands back the current token unchanged ("否则不会刷新"). The 30 s
 *   run from the previous force_refresh call ("调用时间隔"). The 21st call of a
 *   day, inside the window or not, answers 45009 (the errcode WeChat answers
 *   stable_token callers over a daily quota, "reach max api daily quota limit").
 * - `cgi-bin/token`: the API call limits page ("接口调用频次限制说明") lists
 *   "获取access_token | 2000" per day; over it WeChat answers 45009.
 * - `cgi-bin/stable_token`, every call: "该接口调用频率限制为 1万次 每分钟，每天限制调用
 *   50万 次" (getStableAccessToken). Over the day's limit: 45009; over the
 *   minute's: 45011 (WeChat's minute-quota errcode; the page names neither).
 * - Days are Beijing calendar days: WeChat's quotas reset at 00:00 UTC+8.
 */

export const TOKEN_TTL_SECONDS = 7200;
const OVERLAP_MS = 5 * 60 * 1000;
/** Minimum spacing of two force_refresh calls for the second to take effect. */
export const FORCE_REFRESH_SPACING_MS = 30_000;
/** force_refresh calls allowed per app and day (refreshed or not). */
export const FORCE_REFRESH_PER_DAY = 20;
/** `cgi-bin/token` calls allowed per app and day. */
export const TOKEN_CALLS_PER_DAY = 2000;
/** `cgi-bin/stable_token` calls allowed per app and day, and per minute. */
export const STABLE_CALLS_PER_DAY = 500_000;
export const STABLE_CALLS_PER_MINUTE = 10_000;

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

function beijingDay(ms: number): number {
  return Math.floor((ms + BEIJING_OFFSET_MS) / 86_400_000);
}

/**
 * The UTC minute `ms` falls in. WeChat's pages give the quota "per minute"
 * (1万次每分钟) without saying how the minute is counted; a calendar minute
 * is the plain reading, and the one this sandbox uses.
 */
const minute = (ms: number): number => Math.floor(ms / 60_000);

/** Uses per app and window (a Beijing day by default), up to a limit. */
class QuotaCounter {
  private readonly counts = new Map<string, { window: number; n: number }>();

  constructor(
    private readonly now: () => number,
    private readonly limit: number,
    private readonly windowOf: (ms: number) => number = beijingDay,
  ) {}

  /** Counts one use of `appid`; false (and not counted) once the window's limit is reached. */
  take(appid: string): boolean {
    const window = this.windowOf(this.now());
    const entry = this.counts.get(appid);
    const n = entry && entry.window === window ? entry.n : 0;
    if (n >= this.limit) return false;
    this.counts.set(appid, { window, n: n + 1 });
    return true;
  }
}

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
  private readonly lastForce = new Map<string, number>();
  private readonly forceRefreshes: QuotaCounter;
  private readonly tokenCalls: QuotaCounter;
  private readonly stableCallsPerDay: QuotaCounter;
  private readonly stableCallsPerMinute: QuotaCounter;

  constructor(private readonly now: () => number) {
    this.forceRefreshes = new QuotaCounter(now, FORCE_REFRESH_PER_DAY);
    this.tokenCalls = new QuotaCounter(now, TOKEN_CALLS_PER_DAY);
    this.stableCallsPerDay = new QuotaCounter(now, STABLE_CALLS_PER_DAY);
    this.stableCallsPerMinute = new QuotaCounter(now, STABLE_CALLS_PER_MINUTE, minute);
  }

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
    if (!this.tokenCalls.take(appid)) throw wechatError('DAILY_QUOTA');
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
    if (!this.stableCallsPerMinute.take(appid)) throw wechatError('MINUTE_QUOTA');
    if (!this.stableCallsPerDay.take(appid)) throw wechatError('DAILY_QUOTA');
    const current = this.currentStable.get(appid);
    const rec = current === undefined ? undefined : this.tokens.get(current);
    const live = current !== undefined && rec && !rec.revoked && rec.expiresAt > this.now();
    // "否则不会刷新": a force refresh too soon is answered as a normal call (and still counted).
    const force = forceRefresh && this.takeForceRefresh(appid, live === true);
    if (live && current !== undefined && rec) {
      const remaining = rec.expiresAt - this.now();
      if (force) {
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
   * Counts one force_refresh call (throws 45009 past the day's 20) and says
   * whether it may take effect: not within 30 s of the previous force call
   * while a token is live. Without a live token there is nothing to keep, so
   * the call mints as a normal one would.
   */
  private takeForceRefresh(appid: string, hasLiveToken: boolean): boolean {
    if (!this.forceRefreshes.take(appid)) throw wechatError('DAILY_QUOTA');
    const last = this.lastForce.get(appid);
    this.lastForce.set(appid, this.now());
    const tooSoon = last !== undefined && this.now() - last < FORCE_REFRESH_SPACING_MS;
    return !(hasLiveToken && tooSoon);
  }

  /**
   * The app a valid `token` was issued to; throws the WeChat error a real
   * call with it would get.
   */
  appOf(token: string | undefined): string {
    if (!token) throw wechatError('ACCESS_TOKEN_MISSING');
    const rec = this.tokens.get(token);
    if (!rec || rec.revoked) throw wechatError('INVALID_CREDENTIAL');
    if (this.now() >= rec.expiresAt) throw wechatError('ACCESS_TOKEN_EXPIRED');
    return rec.appid;
  }

  /**
   * Validates `token` for a route belonging to `appid`; throws the WeChat
   * error a real call would get.
   */
  check(token: string | undefined, appid: string): void {
    if (this.appOf(token) !== appid) throw wechatError('API_UNAUTHORIZED');
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
