/**
 * The follower and inbox invariants of the load and fault suites, under the
 * retention the cluster runs with. `keep`: every follower record holds what
 * WeChat said (unionid and times kept after an unfollow) and every push stays
 * in the inbox, done. `erase` (the default): a follower who unfollowed is
 * only a tombstone (unsubscribed, its unfollow time; no unionid, follow time
 * or scene), and the inbox entries of their pushes are deleted with the
 * unfollow (WeChat: "为保护用户数据隐私，开发者收到用户取消关注事件时需要删除该用户的所有信息").
 */
import type { SubscriptionStatus } from '@wxlink/contracts';
import type { SandboxUser } from '@wxlink/wechat-sandbox';
import { listImported } from '../../src/official-account/followers/subscription';
import type { Cluster } from '../support/cluster';
import { sleep } from '../support/cluster';
import type { LoadRun } from './workload';

/** Adds one invariant row. */
export type RowSink = (
  invariant: string,
  expected: string | number,
  actual: string | number,
) => void;

/** The retention the cluster's instances run with (the server's default is erase). */
export function retentionOf(cluster: Cluster): 'keep' | 'erase' {
  return cluster.env.FOLLOWER_RETENTION === 'keep' ? 'keep' : 'erase';
}

const openidsOf = (run: LoadRun, follows: boolean): string[] =>
  [...run.following].filter(([, f]) => f === follows).map(([u]) => u.oaOpenid);

/** How long erasure may lag the last item's completion (its deleteMany runs right after). */
const ERASE_LAG_MS = 3000;

/** Inbox entries left of followers who unfollowed, once erasure has had ERASE_LAG_MS to finish. */
async function entriesOfUnfollowed(cluster: Cluster, openids: string[]): Promise<number> {
  const appid = cluster.sandbox.config.officialAccount.appid;
  const deadline = Date.now() + ERASE_LAG_MS;
  for (;;) {
    const left = await cluster.models.Inbox.countDocuments({ appid, openid: { $in: openids } });
    if (left === 0 || Date.now() > deadline) return left;
    await sleep(100);
  }
}

/** Every push recorded once and processed; with erase, none of an unfollowed follower's left. */
export async function inboxRows(cluster: Cluster, run: LoadRun, row: RowSink): Promise<void> {
  const { models } = cluster;
  const erase = retentionOf(cluster) === 'erase';
  const gone = new Set(erase ? openidsOf(run, false) : []);
  if (erase)
    row(
      'inbox entries of unfollowed followers (erased)',
      0,
      await entriesOfUnfollowed(cluster, [...gone]),
    );
  const keys = [...new Set(run.pushes.map((p) => p.key))];
  const kept = new Set(run.pushes.filter((p) => !gone.has(p.user.oaOpenid)).map((p) => p.key));
  const inboxByKey = await models.Inbox.aggregate<{ _id: string; n: number }>([
    { $match: { dedupKey: { $in: keys } } },
    { $group: { _id: '$dedupKey', n: { $sum: 1 } } },
  ]);
  row('distinct pushes recorded in the inbox', kept.size, inboxByKey.length);
  row('pushes recorded more than once', 0, inboxByKey.filter((g) => g.n > 1).length);
  row(
    'inbox items done',
    kept.size,
    await models.Inbox.countDocuments({ dedupKey: { $in: [...kept] }, status: 'done' }),
  );
  row('inbox items dead-lettered', 0, await models.Inbox.countDocuments({ status: 'dead' }));
}

/** Followers hold what WeChat said; with erase, one who unfollowed is only a tombstone. */
export async function followerRows(cluster: Cluster, run: LoadRun, row: RowSink): Promise<void> {
  const erase = retentionOf(cluster) === 'erase';
  const appid = cluster.sandbox.config.officialAccount.appid;
  const openids = [...run.following.keys()].map((u) => u.oaOpenid);
  const followers = await cluster.models.Follower.find({ appid, openid: { $in: openids } }).lean();
  const byOpenid = new Map(followers.map((f) => [f.openid, f]));
  let resolved = 0;
  let stateRight = 0;
  let tombstones = 0;
  for (const [user, follows] of run.following) {
    const f = byOpenid.get(user.oaOpenid);
    if (!f) continue;
    if ((follows || !erase) && f.unionid !== null && f.unionid === user.unionid) resolved++;
    if (f.subscribed === follows) stateRight++;
    const bare = f.unionid === null && f.subscribedAt === null && f.scene === null;
    if (!follows && !f.subscribed && bare && f.unsubscribedAt === f.stateAt) tombstones++;
  }
  const unfollowed = openidsOf(run, false).length;
  const resolvable = erase ? run.following.size - unfollowed : run.following.size;
  row('subscribes resolved (follower has the unionid)', resolvable, resolved);
  if (erase) row('unfollowed followers left as a bare tombstone', unfollowed, tombstones);
  row('follower state = newest event', run.following.size, stateRight);
  row('follower records (one per openid)', run.following.size, followers.length);
}

/**
 * What GET /me/subscription should say to `user`. With erase, an unfollowed
 * user's tombstone has no unionid to match: `never` once the follower list
 * has been imported, `unknown` before (a follower not yet seen may be them).
 */
export async function expectedStatusFn(
  cluster: Cluster,
  run: LoadRun,
): Promise<(user: SandboxUser) => SubscriptionStatus> {
  const appid = cluster.sandbox.config.officialAccount.appid;
  const imported = await listImported({ models: cluster.models }, appid);
  const erased: SubscriptionStatus = imported ? 'never' : 'unknown';
  const unfollowed: SubscriptionStatus = retentionOf(cluster) === 'erase' ? erased : 'unsubscribed';
  return (user) => {
    const follows = run.following.get(user);
    return follows === undefined ? 'never' : follows ? 'subscribed' : unfollowed;
  };
}
