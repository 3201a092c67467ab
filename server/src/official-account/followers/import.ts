import { isRetryableWechatError, type FollowerEvent } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import { TRANSPORT_ERRCODE, WechatApiError } from '../../wechat/errors';
import type { FollowerInfo } from '../../wechat/types';
import type { SnapshotInput } from './store';
import type { SyncCursor } from './import-cursor.model';

/**
 * Follower import and reconciliation: imports followers who followed before
 * the server existed (they produced no events), walking cgi-bin/user/get page
 * by page (10 000 openids each) and user/info/batchget 100 at a time; once
 * the whole list has been walked, stored followers the list did not contain
 * get an unfollow snapshot (an unfollow WeChat gave up pushing is corrected).
 * The run itself is in import-run.ts; this module holds its pure parts.
 *
 * - Each follower becomes a `subscribe` snapshot at its subscribe_time, fed
 *   through the same reducer as live events, so a snapshot never overrides a
 *   newer event-driven state (an unfollow pushed during the run wins).
 * - Resumable: the cursor (page start + offset inside it) is saved after every
 *   batch; a new run continues from there. Re-applying a batch is harmless.
 * - Memory is flat: one page of openids (≤ 10 000) at a time.
 * - WeChat's transient errors (-1, 45009, 45011, transport) are retried with
 *   exponential backoff; anything else stops the run with the cursor saved.
 * - One run at a time per account: a lease on the cursor document (owner +
 *   leaseUntil), renewed after every batch and released at the end. A second
 *   run meanwhile returns `locked` without touching anything; a crashed run's
 *   lease expires and the next run takes over (and resumes its cursor).
 */
export type SyncDeps = Pick<
  AppDeps,
  'models' | 'clock' | 'wechat' | 'logger' | 'config' | 'metrics'
>;

export interface SyncProgress {
  /** Followers stored, counting earlier interrupted runs of this sync. */
  processed: number;
  /** Followers WeChat reports in total. */
  total: number;
  /** Followers stored per second by this run. */
  ratePerSecond: number;
}

export interface FollowerSyncOptions {
  /** Which official account (default: the primary). */
  appid?: string;
  /** Ignore a saved cursor and start from the first page. */
  restart?: boolean;
  /** Called after every stored batch. */
  onProgress?: (progress: SyncProgress) => void;
  /** Stops the run after the current batch; the cursor is kept for a resume. */
  signal?: AbortSignal;
  /** Attempts per WeChat call on transient errors (default 8). */
  maxRetries?: number;
  /** First backoff delay (default 1000 ms), doubled per retry, capped at 60 s. */
  retryBaseMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** How long the run's lock holds without renewal (default 5 min); renewed per batch. */
  leaseMs?: number;
  /** Names this run in the lock (default: a random id). */
  owner?: string;
  /**
   * Checked on the cursor once the lock is held (the schedule's "is a run due"):
   * false ends the run at once as `not_due`. The schedule reads the cursor
   * before taking the lock, and another instance may complete a run between
   * the two; without this second look it would run again straight away.
   */
  stillDue?: (cursor: SyncCursor) => boolean;
}

export interface SyncResult {
  /** `locked`: another run holds the lease; `not_due`: `stillDue` said no. Nothing was done in either. */
  status: 'completed' | 'interrupted' | 'locked' | 'not_due';
  processed: number;
  total: number;
  /** Followers whose record was created or changed by this run. */
  written: number;
  /** Current followers the list no longer contained, recorded as unfollowed. */
  unfollowed: number;
  resumed: boolean;
  /** With `locked`: who holds the lease and until when. */
  lock?: { owner: string; until: Date };
}

export const BATCH_SIZE = 100;
/** Longer than one batch with its backoff retries; renewed before every backoff sleep too. */
export const DEFAULT_SYNC_LEASE_MS = 5 * 60_000;

/** setTimeout as a promise. */
export const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function isTransientWechatFailure(err: unknown): boolean {
  return (
    err instanceof WechatApiError &&
    (err.errcode === TRANSPORT_ERRCODE || isRetryableWechatError(err.errcode))
  );
}

/** A follower as a reducer event; null when WeChat says they are not (or no longer) following. */
export function snapshotOf(info: FollowerInfo): SnapshotInput | null {
  if (!info.subscribed || info.subscribeTime === undefined) return null;
  const event: FollowerEvent = {
    kind: 'subscribe',
    at: info.subscribeTime,
    unionid: info.unionid ?? null,
    scene: info.qrScene !== undefined && info.qrScene !== '' ? info.qrScene : null,
  };
  return { openid: info.openid, event };
}

/**
 * One follower's cgi-bin/user/info answer as a reducer event, for a live
 * lookup (web OAuth) of someone with no record. Following → the same
 * `subscribe` at subscribe_time the backfill records. Not following
 * (subscribe=0; WeChat gives no time and cannot say whether they ever
 * followed) → an `unsubscribe` dated one second before `asOf` (when we
 * asked), so any follow from that moment on is newer and wins. It carries no
 * unionid: linking a mini-program user to "not following" would turn their
 * `never` into an `unsubscribed` that never happened. Null when WeChat says
 * "following" without a subscribe_time (nothing trustworthy to record).
 */
export function liveSnapshotOf(info: FollowerInfo, asOf: number): FollowerEvent | null {
  if (info.subscribed) {
    const snapshot = snapshotOf(info);
    return snapshot === null ? null : { ...snapshot.event, kind: 'subscribe' };
  }
  return { kind: 'unsubscribe', at: Math.max(0, asOf - 1) };
}

export function cursorName(appid: string): string {
  return `followers:${appid}`;
}

export { syncFollowers } from './import-run';
