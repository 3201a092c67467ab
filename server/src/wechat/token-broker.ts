import type { WechatApi } from '@wxlink/contracts';
import type { Logger } from 'pino';
import type { AccessTokenEndpoint } from '../config';
import type { Clock } from '../deps';
import type { Metrics } from '../platform/metrics';
import { claimLease, releaseLease } from '../platform/lease';
import type { AccessTokenModel, AccessTokenRecord } from './access-token.model';
import { wechatUnavailable } from './errors';

/** A token as WeChat hands it out. */
export interface IssuedToken {
  token: string;
  expiresInSeconds: number;
}

/**
 * Asks WeChat for a token (cgi-bin/stable_token by default); `force` =
 * force_refresh, which only stable_token has (see tokenRequest).
 */
export type TokenFetcher = (appid: string, options: { force: boolean }) => Promise<IssuedToken>;

/** The HTTP request that obtains a token, for the client to send. */
export interface TokenRequest {
  api: WechatApi;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
}

/**
 * The token request for an endpoint. `stable`: POST cgi-bin/stable_token with a
 * JSON body; in normal mode WeChat returns the token still in force, so
 * several systems sharing the appid do not invalidate each other.
 * `classic`: GET cgi-bin/token; every call mints a new token and the previous
 * one stops working 5 minutes later, so `force` has no meaning there (each
 * call already is a forced refresh).
 */
export function tokenRequest(
  endpoint: AccessTokenEndpoint,
  credentials: { appid: string; secret: string },
  force: boolean,
): TokenRequest {
  const { appid, secret } = credentials;
  if (endpoint === 'classic') {
    return {
      api: 'token',
      method: 'GET',
      path: 'cgi-bin/token',
      query: { grant_type: 'client_credential', appid, secret },
    };
  }
  return {
    api: 'stableToken',
    method: 'POST',
    path: 'cgi-bin/stable_token',
    body: { grant_type: 'client_credential', appid, secret, force_refresh: force },
  };
}

export interface TokenBrokerOptions {
  model: AccessTokenModel;
  fetchToken: TokenFetcher;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Which WeChat endpoint fetchToken calls (default `stable`); names the API in errors. */
  endpoint?: AccessTokenEndpoint;
  /** Identifies this server instance as a lease holder. */
  instanceId: string;
  /** How long a refresh lease lasts; a crashed holder blocks others at most this long. */
  leaseMs?: number;
  /** How often a waiting instance looks for the holder's new token. */
  pollMs?: number;
  /** Give up waiting for a token after this long. */
  waitTimeoutMs?: number;
  /** Treat a token as expired this long before WeChat does (WeChat itself renews 5 min early). */
  earlyExpirySeconds?: number;
}

/**
 * The access-token broker: one cached token per appid, shared by every server
 * instance through MongoDB, refreshed by one instance at a time.
 *
 * - Reads go to a small in-process cache, then to the shared record.
 * - A refresh needs the lease on the appid's record (platform/lease.ts).
 *   Losers poll the record until the holder writes the new token or the
 *   lease lapses.
 * - In one process, concurrent callers share one promise per appid (single
 *   flight), so 100 parallel requests cause at most one database claim.
 * - After WeChat rejects a token (40001/42001), `refreshAfterRejection`
 *   refreshes only if the stored token is still the rejected one: when
 *   another caller already replaced it, the new one is used as is.
 */
export class AccessTokenBroker {
  private readonly cache = new Map<string, { token: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly waitTimeoutMs: number;
  private readonly earlyExpiryMs: number;
  private readonly api: WechatApi;

  constructor(private readonly options: TokenBrokerOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.pollMs = options.pollMs ?? 50;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 20_000;
    this.earlyExpiryMs = (options.earlyExpirySeconds ?? 300) * 1000;
    this.api = options.endpoint === 'classic' ? 'token' : 'stableToken';
  }

  /** A token believed valid for `appid`. */
  async getToken(appid: string): Promise<string> {
    const cached = this.cache.get(appid);
    if (cached && cached.expiresAt > this.now()) return cached.token;
    return this.singleFlight(appid, undefined);
  }

  /**
   * WeChat rejected `rejected` (40001/42001): returns a different token,
   * refreshing only if nobody has replaced the rejected one yet.
   */
  async refreshAfterRejection(appid: string, rejected: string): Promise<string> {
    const cached = this.cache.get(appid);
    if (cached?.token === rejected) this.cache.delete(appid);
    else if (cached && cached.expiresAt > this.now()) return cached.token;
    // A flight started before the rejection may still hand back the rejected
    // token (read from the record); then one more flight does the refresh.
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.singleFlight(appid, rejected);
      if (token !== rejected) return token;
      this.cache.delete(appid);
    }
    throw wechatUnavailable(this.api, 'token refresh returned the rejected token');
  }

  private singleFlight(appid: string, rejected: string | undefined): Promise<string> {
    const running = this.inflight.get(appid);
    if (running) return running;
    const flight = this.obtain(appid, rejected).finally(() => {
      this.inflight.delete(appid);
    });
    this.inflight.set(appid, flight);
    return flight;
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }

  /**
   * How early to stop using a token: earlyExpirySeconds, but at most half its
   * lifetime, so a short-lived token (expires_in below the margin) is still
   * used instead of triggering a refresh on every call.
   */
  private margin(expiresAt: Date, issuedAt: Date | null): number {
    if (!issuedAt) return this.earlyExpiryMs;
    return Math.min(this.earlyExpiryMs, (expiresAt.getTime() - issuedAt.getTime()) / 2);
  }

  private usable(record: AccessTokenRecord | null, rejected: string | undefined): string | null {
    if (!record?.token || !record.expiresAt) return null;
    if (record.token === rejected) return null;
    const margin = this.margin(record.expiresAt, record.refreshedAt);
    if (record.expiresAt.getTime() - margin <= this.now()) return null;
    return record.token;
  }

  private remember(
    appid: string,
    record: Pick<AccessTokenRecord, 'expiresAt' | 'refreshedAt'>,
    token: string,
  ): string {
    const expiresAt = record.expiresAt;
    if (expiresAt) {
      const margin = this.margin(expiresAt, record.refreshedAt);
      this.cache.set(appid, { token, expiresAt: expiresAt.getTime() - margin });
    }
    return token;
  }

  private async obtain(appid: string, rejected: string | undefined): Promise<string> {
    const { model } = this.options;
    const deadline = this.now() + this.waitTimeoutMs;
    for (;;) {
      const record = await model.findOne({ appid }).lean<AccessTokenRecord>().exec();
      const stored = this.usable(record, rejected);
      if (stored && record) return this.remember(appid, record, stored);

      const claimed = await this.claimLease(appid);
      if (claimed) {
        // Someone may have written a fresh token between our read and the claim.
        const fresh = this.usable(claimed, rejected);
        if (fresh) {
          await this.releaseLease(appid);
          return this.remember(appid, claimed, fresh);
        }
        return this.refreshHoldingLease(appid, claimed.token ?? undefined, rejected);
      }
      if (this.now() > deadline) {
        throw wechatUnavailable(this.api, 'timed out waiting for the access_token refresh');
      }
      await sleep(this.pollMs);
    }
  }

  /** Takes the refresh lease (platform/lease.ts); null when another instance holds it. */
  private async claimLease(appid: string): Promise<AccessTokenRecord | null> {
    const now = new Date(this.now());
    const claim = await claimLease(
      this.options.model,
      { appid },
      {
        now,
        owner: this.options.instanceId,
        until: new Date(now.getTime() + this.leaseMs),
        create: { token: null, expiresAt: null, refreshedAt: null, version: 0 },
      },
    );
    return claim.claimed ? claim.record : null;
  }

  private async releaseLease(appid: string): Promise<void> {
    await releaseLease(this.options.model, { appid }, this.options.instanceId);
  }

  private async refreshHoldingLease(
    appid: string,
    storedToken: string | undefined,
    rejected: string | undefined,
  ): Promise<string> {
    const { fetchToken, metrics, logger, model } = this.options;
    let issued: IssuedToken;
    try {
      issued = await fetchToken(appid, { force: false });
      // stable_token's normal mode hands back the current token while WeChat
      // thinks it is valid; if that is the one just rejected, only a forced
      // refresh helps. (cgi-bin/token always mints a new one: no second call.)
      if (this.api === 'stableToken' && rejected !== undefined && issued.token === rejected) {
        issued = await fetchToken(appid, { force: true });
      }
    } catch (err) {
      metrics.tokenRefreshes.inc({ appid, outcome: 'error' });
      await this.releaseLease(appid).catch(() => undefined);
      throw err;
    }
    const now = this.now();
    const refreshedAt = new Date(now);
    const expiresAt = new Date(now + issued.expiresInSeconds * 1000);
    const written = await model
      .updateOne(
        { appid, leaseOwner: this.options.instanceId },
        {
          $set: {
            token: issued.token,
            expiresAt,
            refreshedAt,
            leaseOwner: null,
            leaseUntil: null,
          },
          $inc: { version: 1 },
        },
      )
      .exec();
    metrics.tokenRefreshes.inc({ appid, outcome: 'ok' });
    if (written.matchedCount === 0) {
      // Our lease lapsed mid-refresh; another holder may be writing. Use ours
      // for this call; the record stays theirs.
      logger.warn({ appid }, 'access_token lease lapsed during refresh');
    }
    logger.info({ appid, replaced: storedToken !== undefined }, 'access_token refreshed');
    return this.remember(appid, { expiresAt, refreshedAt }, issued.token);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
