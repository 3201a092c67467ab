import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { claimLease, releaseLease, renewLease } from '../../platform/lease';
import type { WechatApiError } from '../../wechat/errors';
import type { OfficialAccountApi } from '../../wechat/types';
import { linkageMetrics } from '../linkage-events/metrics';
import {
  BATCH_SIZE,
  cursorName,
  DEFAULT_SYNC_LEASE_MS,
  defaultSleep,
  isTransientWechatFailure,
  snapshotOf,
  type FollowerSyncOptions,
  type SyncDeps,
  type SyncProgress,
  type SyncResult,
} from './import';
import type { SyncCursor } from './import-cursor.model';
import { applyEventToFollower, applySnapshotsToFollowers, type SnapshotInput } from './store';

/**
 * One run of the follower import/reconciliation under the account's lease
 * (platform/lease.ts on the cursor document): the first run is the import,
 * later runs reconcile. Steps: claim → walk the pages (resumable: the cursor
 * is saved after every batch) marking each listed follower with the run's
 * start → unfollow snapshots for current followers left unmarked → complete.
 */
interface Run {
  readonly deps: SyncDeps;
  readonly appid: string;
  readonly api: OfficialAccountApi;
  readonly name: string;
  readonly owner: string;
  readonly options: FollowerSyncOptions;
  readonly leaseMs: number;
  readonly log: Logger;
  readonly clockStart: Date;
  /** Progress, saved in the cursor. */
  pageStart: string;
  pageOffset: number;
  processed: number;
  total: number;
  written: number;
  processedThisRun: number;
  /** When this run (or the run it resumes) started: the mark of listed followers. */
  runStart: Date;
}

const EMPTY_CURSOR = { pageStart: '', pageOffset: 0, processed: 0, total: 0, completedAt: null };

/** Runs the import/reconciliation of one account unless another run holds its lease. */
/** The result of a run that did nothing (lock not taken, or not due after all). */
function nothingDone(status: 'locked' | 'not_due') {
  return { status, processed: 0, total: 0, written: 0, unfollowed: 0, resumed: false } as const;
}

export async function syncFollowers(
  deps: SyncDeps,
  options: FollowerSyncOptions = {},
): Promise<SyncResult> {
  const appid = options.appid ?? deps.config.officialAccount.appid;
  const now = deps.clock.now();
  const run: Run = {
    deps,
    appid,
    api: deps.wechat.officialAccount(appid),
    name: cursorName(appid),
    owner: options.owner ?? randomUUID(),
    options,
    leaseMs: options.leaseMs ?? DEFAULT_SYNC_LEASE_MS,
    log: deps.logger.child({ component: 'followers-sync', appid }),
    clockStart: now,
    ...{ pageStart: '', pageOffset: 0, processed: 0, total: 0, written: 0, processedThisRun: 0 },
    runStart: now,
  };
  const claim = await claimLease(
    deps.models.SyncCursor,
    { name: run.name },
    {
      now,
      owner: run.owner,
      until: new Date(now.getTime() + run.leaseMs),
      create: { ...EMPTY_CURSOR, status: 'running', startedAt: now, updatedAt: now },
    },
  );
  if (!claim.claimed) {
    run.log.warn(
      { owner: claim.owner, until: claim.until },
      'another follower sync holds the lock',
    );
    return { ...nothingDone('locked'), lock: { owner: claim.owner, until: claim.until } };
  }
  const metrics = linkageMetrics(deps.metrics.registry);
  try {
    if (!claim.created && options.stillDue && !options.stillDue(claim.record)) {
      return nothingDone('not_due');
    }
    const result = await runLocked(run, claim.created ? null : claim.record);
    metrics.followerSyncRuns.inc({ appid, outcome: result.status });
    return result;
  } catch (err) {
    metrics.followerSyncRuns.inc({ appid, outcome: 'failed' });
    throw err;
  } finally {
    // Release, unless someone took the lease over (then it is theirs).
    await releaseLease(deps.models.SyncCursor, { name: run.name }, run.owner).catch(
      (err: unknown) => run.log.warn({ err }, 'could not release the follower sync lock'),
    );
  }
}

/** Every write to the cursor renews the lease, and is refused once it was taken over. */
async function writeCursor(run: Run, fields: Partial<SyncCursor>): Promise<void> {
  const now = run.deps.clock.now();
  const until = new Date(now.getTime() + run.leaseMs);
  await renewLease(run.deps.models.SyncCursor, { name: run.name }, run.owner, until, {
    ...fields,
    updatedAt: now,
  });
}

function saveCursor(run: Run, status: 'running' | 'completed'): Promise<void> {
  const { pageStart, pageOffset, processed, total } = run;
  const completedAt = status === 'completed' ? run.deps.clock.now() : null;
  return writeCursor(run, { pageStart, pageOffset, processed, total, status, completedAt });
}

/** Calls WeChat, backing off on its transient errors (-1, 45009, 45011, transport). */
async function withRetry<T>(run: Run, what: string, call: () => Promise<T>): Promise<T> {
  const maxRetries = run.options.maxRetries ?? 8;
  const baseMs = run.options.retryBaseMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isTransientWechatFailure(err) || attempt >= maxRetries) throw err;
      const delay = Math.min(baseMs * 2 ** (attempt - 1), 60_000);
      const errcode = (err as WechatApiError).errcode;
      run.log.warn({ what, attempt, retryInMs: delay, errcode }, 'WeChat busy; backing off');
      await writeCursor(run, {}); // keep the lock through long backoffs
      await (run.options.sleep ?? defaultSleep)(delay);
    }
  }
}

function progress(run: Run): SyncProgress {
  const seconds = Math.max(
    (run.deps.clock.now().getTime() - run.clockStart.getTime()) / 1000,
    0.001,
  );
  const ratePerSecond = Math.round((run.processedThisRun / seconds) * 10) / 10;
  return { processed: run.processed, total: run.total, ratePerSecond };
}

async function runLocked(run: Run, saved: SyncCursor | null): Promise<SyncResult> {
  const resumed = run.options.restart !== true && saved !== null && saved.status === 'running';
  if (resumed) {
    Object.assign(run, {
      pageStart: saved.pageStart,
      pageOffset: saved.pageOffset,
      processed: saved.processed,
      total: saved.total,
      runStart: saved.startedAt,
    });
    run.log.info({ processed: run.processed, total: run.total }, 'resuming follower sync');
  }
  await writeCursor(run, {
    ...{ pageStart: run.pageStart, pageOffset: run.pageOffset },
    ...{ processed: run.processed, total: run.total, status: 'running', completedAt: null },
    startedAt: run.runStart,
  });
  if (!(await walkPages(run))) {
    await saveCursor(run, 'running');
    run.log.info(progress(run), 'follower sync interrupted; run again to resume');
    return { status: 'interrupted', ...counts(run), unfollowed: 0, resumed };
  }
  const unfollowed = await unfollowUnlisted(run);
  await complete(run, saved, unfollowed);
  return { status: 'completed', ...counts(run), unfollowed, resumed };
}

const counts = (run: Run) => ({ processed: run.processed, total: run.total, written: run.written });

/** Walks every page from the cursor; false when interrupted (signal). */
async function walkPages(run: Run): Promise<boolean> {
  for (;;) {
    const page = await withRetry(run, 'user/get', () =>
      run.api.listFollowers(run.pageStart || undefined),
    );
    run.total = page.total;
    for (let i = run.pageOffset; i < page.openids.length; i += BATCH_SIZE) {
      if (run.options.signal?.aborted) return false;
      await importBatch(run, page.openids.slice(i, i + BATCH_SIZE));
      run.pageOffset = i + BATCH_SIZE > page.openids.length ? page.openids.length : i + BATCH_SIZE;
      await saveCursor(run, 'running');
      const p = progress(run);
      run.options.onProgress?.(p);
      linkageMetrics(run.deps.metrics.registry).followerSyncProcessed.set(
        { appid: run.appid },
        p.processed,
      );
      run.log.debug(p, 'follower sync progress');
    }
    // WeChat signals the end with an empty page or an empty next_openid.
    const last = page.nextOpenid;
    if (page.openids.length === 0 || last === '' || last === run.pageStart) return true;
    run.pageStart = last;
    run.pageOffset = 0;
    await saveCursor(run, 'running');
  }
}

/** One batchget of ≤100 followers: their snapshots through the reducer, then the run's mark. */
async function importBatch(run: Run, openids: string[]): Promise<void> {
  const { deps, appid } = run;
  const infos = await withRetry(run, 'user/info/batchget', () =>
    run.api.batchGetFollowerInfo(openids),
  );
  const snapshots = infos.map(snapshotOf).filter((s): s is SnapshotInput => s !== null);
  const res = await applySnapshotsToFollowers(deps, appid, snapshots);
  // The mark is no state: it does not touch `version`, so it races nothing.
  await deps.models.Follower.updateMany(
    { appid, openid: { $in: snapshots.map((s) => s.openid) } },
    { $set: { listedAt: run.runStart } },
  );
  run.written += res.written;
  run.processed += openids.length;
  run.processedThisRun += openids.length;
}

/**
 * Current followers the complete list did not contain unfollowed without a
 * push reaching us: each gets an unfollow snapshot dated just before the
 * run started, so any follow or event newer than that still wins.
 */
async function unfollowUnlisted(run: Run): Promise<number> {
  const { deps, appid } = run;
  const asOf = Math.floor(run.runStart.getTime() / 1000) - 1;
  let corrected = 0;
  for (;;) {
    const stale = await deps.models.Follower.find({
      appid,
      subscribed: true,
      stateAt: { $lte: asOf },
      $or: [{ listedAt: null }, { listedAt: { $lt: run.runStart } }],
    })
      .limit(BATCH_SIZE)
      .lean();
    if (stale.length === 0) return corrected;
    for (const doc of stale) {
      const change = { kind: 'unsubscribe' as const, at: asOf };
      await applyEventToFollower(deps, { appid, openid: doc.openid }, change, {
        source: 'backfill',
        lookedUp: true,
      });
      corrected++;
    }
    await writeCursor(run, {});
  }
}

async function complete(run: Run, saved: SyncCursor | null, unfollowed: number): Promise<void> {
  const now = run.deps.clock.now();
  const reconciling = (saved?.firstCompletedAt ?? null) !== null;
  await saveCursor(run, 'completed');
  if (!reconciling) await writeCursor(run, { firstCompletedAt: now });
  const metrics = linkageMetrics(run.deps.metrics.registry);
  metrics.followerSyncLastCompleted.set({ appid: run.appid }, Math.floor(now.getTime() / 1000));
  if (reconciling) {
    metrics.followerSyncCorrections.inc({ appid: run.appid, kind: 'written' }, run.written);
  }
  metrics.followerSyncCorrections.inc({ appid: run.appid, kind: 'unfollowed' }, unfollowed);
  run.log.info({ ...progress(run), unfollowed, reconciling }, 'follower sync completed');
}
