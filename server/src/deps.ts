import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Metrics } from './platform/metrics';
import type { Models } from './models';
import type { WechatApis } from './wechat/types';
import type { InsertBatcher } from './platform/insert-batcher';
import type { InboxItem } from './official-account/inbox/inbox.model';
import type { Session } from './mini-program/sessions/session.model';
import type { LoginAudit } from './mini-program/sessions/login-audit.model';
import type { FollowerViewReads } from './official-account/followers/view-reads';

/** Time source; injected so tests can move time without fake timers. */
export interface Clock {
  now(): Date;
}

/** Randomness source; injected so tests can pin tokens and nonces. Must be a CSPRNG in production. */
export interface Random {
  bytes(size: number): Buffer;
}

/** Everything a route or service needs from the outside world. Built by composeDeps (compose.ts). */
export interface AppDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly db: Connection;
  readonly models: Models;
  readonly wechat: WechatApis;
  readonly metrics: Metrics;
  readonly inserts: HotPathInserts;
  /** The subscription view's follower read, shared by concurrent logins. */
  readonly followerViews: FollowerViewReads;
}

/**
 * The inserts that many requests make at once, grouped into shared commands
 * under load (platform/insert-batcher.ts). One per collection and process.
 */
export interface HotPathInserts {
  /** Every accepted push (official-account/push/intake.ts). */
  readonly inbox: InsertBatcher<InboxItem>;
  /** A login's new session (mini-program/sessions/sessions.ts). */
  readonly sessions: InsertBatcher<Omit<Session, '_id'>>;
  /** A login's audit entry, whatever its outcome. */
  readonly loginAudit: InsertBatcher<Omit<LoginAudit, '_id'>>;
}
