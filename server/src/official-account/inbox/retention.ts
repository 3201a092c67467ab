import type { AppDeps } from '../../deps';

/**
 * How long the inbox keeps what it processed. Processed entries (done) are
 * deleted after INBOX_RETENTION_DAYS; dead letters stay until an
 * operator replays them. With erase retention an unfollow also deletes that
 * follower's processed entries at once: their payloads hold the openid and
 * the follow's scene, which WeChat's policy says to delete.
 */
type RetentionDeps = Pick<AppDeps, 'models' | 'clock' | 'config'>;

/** Statuses of entries that are finished with (never `dead`: those wait for a replay). */
const PROCESSED_STATUSES = ['done'] as const;

/**
 * Deletes the processed entries of one follower; returns how many. An entry
 * being handled right now (another push of theirs, whose handler saw them
 * still following) would be completed after this delete and stay: it is
 * flagged first, and its completion deletes it instead (claims.ts
 * `completeHandledItem`). Flag, then delete: whichever order the other
 * completion falls in, the entry goes.
 */
export async function forgetFollowerEntries(
  deps: Pick<AppDeps, 'models'>,
  appid: string,
  openid: string,
): Promise<number> {
  await deps.models.Inbox.updateMany(
    { appid, openid, status: 'processing' },
    { $set: { eraseRequested: true } },
  );
  const res = await deps.models.Inbox.deleteMany({
    appid,
    openid,
    status: { $in: [...PROCESSED_STATUSES] },
  });
  return res.deletedCount;
}

/** Deletes processed entries older than the retention; returns how many. */
export async function pruneProcessedEntries(deps: RetentionDeps): Promise<number> {
  const days = deps.config.linkage.inboxRetentionDays;
  const before = new Date(deps.clock.now().getTime() - days * 86_400_000);
  const res = await deps.models.Inbox.deleteMany({
    status: { $in: [...PROCESSED_STATUSES] },
    processedAt: { $lt: before },
  });
  return res.deletedCount;
}
