import type { AppDeps } from '../../deps';
import { bindingStubFields, liveBindingFilter, noLiveBindingFilter } from './binding-stub';
import type { InboxItem } from './inbox.model';

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
 * Erases the processed entries of one follower; returns how many. An entry
 * being handled right now (another push of theirs, whose handler saw them
 * still following) would be completed after this delete and stay: it is
 * flagged first, and its completion erases it instead (claims.ts
 * `completeHandledItem`). Flag, then erase: whichever order the other
 * completion falls in, the entry goes. An entry whose signed-query binding
 * is still live becomes a binding stub (binding-stub.ts) rather than being
 * deleted, so its logged push URL cannot carry another body meanwhile.
 */
export async function forgetFollowerEntries(
  deps: Pick<AppDeps, 'models' | 'clock'>,
  appid: string,
  openid: string,
): Promise<number> {
  const { Inbox } = deps.models;
  const now = deps.clock.now();
  await Inbox.updateMany(
    { appid, openid, status: 'processing' },
    { $set: { eraseRequested: true } },
  );
  const processed = { appid, openid, status: { $in: [...PROCESSED_STATUSES] } };
  const bound = await Inbox.find({ ...processed, ...liveBindingFilter(now) }).lean<InboxItem[]>();
  let stubbed = 0;
  for (const entry of bound) {
    if (entry.signedQuery === undefined) continue;
    const res = await Inbox.updateOne(
      { ...processed, dedupKey: entry.dedupKey },
      { $set: bindingStubFields(entry.signedQuery, now) },
    );
    stubbed += res.modifiedCount;
  }
  const res = await Inbox.deleteMany({ ...processed, ...noLiveBindingFilter(now) });
  return stubbed + res.deletedCount;
}

/**
 * Deletes processed entries older than the retention; returns how many. An
 * entry (or stub) whose signed-query binding is still live waits for it to
 * lapse (only a retention of 0 days gets there first).
 */
export async function pruneProcessedEntries(deps: RetentionDeps): Promise<number> {
  const now = deps.clock.now();
  const days = deps.config.linkage.inboxRetentionDays;
  const before = new Date(now.getTime() - days * 86_400_000);
  const res = await deps.models.Inbox.deleteMany({
    status: { $in: [...PROCESSED_STATUSES] },
    processedAt: { $lt: before },
    ...noLiveBindingFilter(now),
  });
  return res.deletedCount;
}
