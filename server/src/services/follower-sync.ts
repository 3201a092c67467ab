import { isRetryableWechatError, type FollowerEvent } from '@wxlink/contracts';
import type { AppDeps } from '../deps';
import { WechatApiError, type FollowerInfo } from '../wechat/types';
import { applySnapshotsToFollowers, type SnapshotInput } from './follower-store';

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
 */
export type SyncDeps = Pick<
  AppDeps,
  'models' | 'clock' | 'wechat' | 'logger' | 'metrics' | 'config'
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
}

export interface SyncResult {
  status: 'completed' | 'interrupted';
  processed: number;
  total: number;
  /** Followers whose record was created or changed by this run. */
  written: number;
  resumed: boolean;
}

export const BATCH_SIZE = 100;

export class FollowerSyncError extends Error {
  override readonly name = 'FollowerSyncError';
  readonly code = 'FOLLOWER_SYNC_FAILED';
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function isTransientWechatFailure(err: unknown): boolean {
  // -2: transport failure (timeout, refused, bad JSON) as the client reports it.
  return (
    err instanceof WechatApiError && (err.errcode === -2 || isRetryableWechatError(err.errcode))
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

export function cursorName(appid: string): string {
  return `followers:${appid}`;
}

export async function syncFollowers(
  deps: SyncDeps,
  options: FollowerSyncOptions = {},
): Promise<SyncResult> {
  const appid = deps.config.officialAccount.appid;
  const name = cursorName(appid);
  const Cursor = deps.models.SyncCursor;
  const sleep = options.sleep ?? defaultSleep;
  const maxRetries = options.maxRetries ?? 8;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const log = deps.logger.child({ component: 'followers-sync' });

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
        await sleep(delay);
      }
    }
  };

  const saved = await Cursor.findOne({ name }).lean();
  const resumed = !options.restart && saved !== null && saved.status === 'running';
  const startedAt = deps.clock.now();
  let pageStart = resumed ? saved.pageStart : '';
  let pageOffset = resumed ? saved.pageOffset : 0;
  let processed = resumed ? saved.processed : 0;
  let total = resumed ? saved.total : 0;
  let written = 0;
  let processedThisRun = 0;
  await Cursor.updateOne(
    { name },
    {
      $set: {
        pageStart,
        pageOffset,
        processed,
        total,
        status: 'running',
        updatedAt: startedAt,
        completedAt: null,
      },
      $setOnInsert: { startedAt },
    },
    { upsert: true },
  );
  if (resumed) log.info({ processed, total }, 'resuming follower sync from the saved cursor');

  const saveCursor = (status: 'running' | 'completed'): Promise<unknown> => {
    const now = deps.clock.now();
    return Cursor.updateOne(
      { name },
      {
        $set: {
          pageStart,
          pageOffset,
          processed,
          total,
          status,
          updatedAt: now,
          completedAt: status === 'completed' ? now : null,
        },
      },
    );
  };
  const progress = (): SyncProgress => {
    const seconds = Math.max((deps.clock.now().getTime() - startedAt.getTime()) / 1000, 0.001);
    return { processed, total, ratePerSecond: Math.round((processedThisRun / seconds) * 10) / 10 };
  };

  for (;;) {
    const page = await withRetry('user/get', () =>
      deps.wechat.listFollowers(pageStart || undefined),
    );
    total = page.total;
    const openids = page.openids;
    for (let i = pageOffset; i < openids.length; i += BATCH_SIZE) {
      if (options.signal?.aborted) {
        await saveCursor('running');
        log.info(progress(), 'follower sync interrupted; run again to resume');
        return { status: 'interrupted', processed, total, written, resumed };
      }
      const chunk = openids.slice(i, i + BATCH_SIZE);
      const infos = await withRetry('user/info/batchget', () =>
        deps.wechat.batchGetFollowerInfo(chunk),
      );
      const snapshots = infos.map(snapshotOf).filter((s): s is SnapshotInput => s !== null);
      const res = await applySnapshotsToFollowers(deps, appid, snapshots);
      written += res.written;
      processed += chunk.length;
      processedThisRun += chunk.length;
      pageOffset = i + chunk.length;
      deps.metrics.followersSynced.inc(chunk.length);
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
