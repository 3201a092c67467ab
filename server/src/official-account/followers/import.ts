import { randomUUID } from 'node:crypto';
import { isRetryableWechatError, type FollowerEvent } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import { claimLease, releaseLease, renewLease } from '../../platform/lease';
import { TRANSPORT_ERRCODE, WechatApiError } from '../../wechat/errors';
import type { FollowerInfo } from '../../wechat/types';
import type { SyncCursor } from './import-cursor.model';
import { applySnapshotsToFollowers, type SnapshotInput } from './store';

/**
 * Follower backfill: imports followers who followed before the server existed
 * (they produced no events), walking cgi-bin/user/get page by page and
 * user/info/batchget 100 at a time.
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
export type SyncDeps = Pick<AppDeps, 'models' | 'clock' | 'wechat' | 'logger' | 'config'>;

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
}

export interface SyncResult {
  /** `locked`: another run holds the lease; nothing was done. */
  status: 'completed' | 'interrupted' | 'locked';
  processed: number;
  total: number;
  /** Followers whose record was created or changed by this run. */
  written: number;
  resumed: boolean;
  /** With `locked`: who holds the lease and until when. */
  lock?: { owner: string; until: Date };
}

export const BATCH_SIZE = 100;
/** Longer than one batch with its backoff retries; renewed before every backoff sleep too. */
export const DEFAULT_SYNC_LEASE_MS = 5 * 60_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
  if (info.subscribed) return snapshotOf(info)?.event ?? null;
  return { kind: 'unsubscribe', at: Math.max(0, asOf - 1) };
}

/** A cursor before its first page. */
const EMPTY_CURSOR = { pageStart: '', pageOffset: 0, processed: 0, total: 0, completedAt: null };

export function cursorName(appid: string): string {
  return `followers:${appid}`;
}

type CursorDoc = SyncCursor;

export async function syncFollowers(
  deps: SyncDeps,
  options: FollowerSyncOptions = {},
): Promise<SyncResult> {
  const appid = options.appid ?? deps.config.officialAccount.appid;
  const api = deps.wechat.officialAccount(appid);
  const name = cursorName(appid);
  const Cursor = deps.models.SyncCursor;
  const sleep = options.sleep ?? defaultSleep;
  const maxRetries = options.maxRetries ?? 8;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const leaseMs = options.leaseMs ?? DEFAULT_SYNC_LEASE_MS;
  const owner = options.owner ?? randomUUID();
  const log = deps.logger.child({ component: 'followers-sync' });

  const startedAt = deps.clock.now();
  const claim = await claimLease(
    Cursor,
    { name },
    {
      now: startedAt,
      owner,
      until: new Date(startedAt.getTime() + leaseMs),
      create: { ...EMPTY_CURSOR, status: 'running', startedAt, updatedAt: startedAt },
    },
  );
  if (!claim.claimed) {
    log.warn({ owner: claim.owner, until: claim.until }, 'another follower sync holds the lock');
    return {
      status: 'locked',
      processed: 0,
      total: 0,
      written: 0,
      resumed: false,
      lock: { owner: claim.owner, until: claim.until },
    };
  }
  try {
    return await runLocked(claim.created ? null : claim.record);
  } finally {
    // Release, unless someone took the lease over (then it is theirs).
    await releaseLease(Cursor, { name }, owner).catch((err: unknown) =>
      log.warn({ err }, 'could not release the follower sync lock'),
    );
  }

  async function runLocked(saved: CursorDoc | null): Promise<SyncResult> {
    /** Every write to the cursor renews the lease, and is refused once it was taken over. */
    const writeCursor = async (fields: Partial<CursorDoc>): Promise<void> => {
      const now = deps.clock.now();
      const until = new Date(now.getTime() + leaseMs);
      await renewLease(Cursor, { name }, owner, until, { ...fields, updatedAt: now });
    };

    const withRetry = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await call();
        } catch (err) {
          if (!isTransientWechatFailure(err) || attempt >= maxRetries) throw err;
          const delay = Math.min(retryBaseMs * 2 ** (attempt - 1), 60_000);
          log.warn(
            { what, attempt, retryInMs: delay, errcode: (err as WechatApiError).errcode },
            'WeChat busy; backing off',
          );
          await writeCursor({}); // keep the lock through long backoffs
          await sleep(delay);
        }
      }
    };

    const resumed = !options.restart && saved !== null && saved.status === 'running';
    let pageStart = resumed ? saved.pageStart : '';
    let pageOffset = resumed ? saved.pageOffset : 0;
    let processed = resumed ? saved.processed : 0;
    let total = resumed ? saved.total : 0;
    let written = 0;
    let processedThisRun = 0;
    await writeCursor({
      pageStart,
      pageOffset,
      processed,
      total,
      status: 'running',
      completedAt: null,
      ...(resumed ? {} : { startedAt }),
    });
    if (resumed) log.info({ processed, total }, 'resuming follower sync from the saved cursor');

    const saveCursor = (status: 'running' | 'completed'): Promise<void> =>
      writeCursor({
        pageStart,
        pageOffset,
        processed,
        total,
        status,
        completedAt: status === 'completed' ? deps.clock.now() : null,
      });
    const progress = (): SyncProgress => {
      const seconds = Math.max((deps.clock.now().getTime() - startedAt.getTime()) / 1000, 0.001);
      return {
        processed,
        total,
        ratePerSecond: Math.round((processedThisRun / seconds) * 10) / 10,
      };
    };

    for (;;) {
      const page = await withRetry('user/get', () => api.listFollowers(pageStart || undefined));
      total = page.total;
      const openids = page.openids;
      for (let i = pageOffset; i < openids.length; i += BATCH_SIZE) {
        if (options.signal?.aborted) {
          await saveCursor('running');
          log.info(progress(), 'follower sync interrupted; run again to resume');
          return { status: 'interrupted', processed, total, written, resumed };
        }
        const chunk = openids.slice(i, i + BATCH_SIZE);
        const infos = await withRetry('user/info/batchget', () => api.batchGetFollowerInfo(chunk));
        const snapshots = infos.map(snapshotOf).filter((s): s is SnapshotInput => s !== null);
        const res = await applySnapshotsToFollowers(deps, appid, snapshots);
        written += res.written;
        processed += chunk.length;
        processedThisRun += chunk.length;
        pageOffset = i + chunk.length;
        await saveCursor('running');
        const p = progress();
        options.onProgress?.(p);
        log.debug(p, 'follower sync progress');
      }
      // WeChat signals the end with an empty page or an empty next_openid.
      if (openids.length === 0 || page.nextOpenid === '' || page.nextOpenid === pageStart) break;
      pageStart = page.nextOpenid;
      pageOffset = 0;
      await saveCursor('running');
    }
    await saveCursor('completed');
    log.info(progress(), 'follower sync completed');
    return { status: 'completed', processed, total, written, resumed };
  }
}
