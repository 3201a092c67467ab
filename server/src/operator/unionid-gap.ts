import type { AppDeps } from '../deps';

/** How long one sample serves scrapes: /metrics may be public, the count must not be a load lever. */
export const FOLLOWER_GAP_SAMPLE_TTL_MS = 30_000;

/**
 * Current followers without a unionid, per configured official account. A
 * follower's unionid is null while its user/info lookup is pending, and stays
 * null when WeChat returns none: the account is not bound to the same Open
 * Platform account as the mini-program ("只有在用户将公众号绑定到微信开放平台
 * 帐号后，才会出现该字段"). Counted on the {appid, unionid} index.
 */
export async function countFollowersWithoutUnionid(
  deps: Pick<AppDeps, 'config' | 'models'>,
): Promise<Map<string, number>> {
  const counts = await Promise.all(
    deps.config.officialAccounts.map(async (account) => {
      const n = await deps.models.Follower.countDocuments({
        appid: account.appid,
        unionid: null,
        subscribed: true,
      }).exec();
      return [account.appid, n] as const;
    }),
  );
  return new Map(counts);
}

/**
 * Makes the `oa_followers_without_unionid` gauge read the database when
 * scraped, at most once per FOLLOWER_GAP_SAMPLE_TTL_MS (concurrent scrapes
 * share one query). A failed count keeps the previous value and is logged.
 */
export function installFollowerGapSampler(
  deps: Pick<AppDeps, 'config' | 'models' | 'metrics' | 'clock' | 'logger'>,
): void {
  let last: { at: number; sample: Promise<ReadonlyMap<string, number>> } | undefined;
  deps.metrics.followerGapSampler = () => {
    const now = deps.clock.now().getTime();
    if (last === undefined || now - last.at >= FOLLOWER_GAP_SAMPLE_TTL_MS) {
      const sample = countFollowersWithoutUnionid(deps).catch((err: unknown) => {
        deps.logger.warn({ err }, 'could not count followers without unionid');
        last = undefined;
        return new Map<string, number>();
      });
      last = { at: now, sample };
    }
    return last.sample;
  };
}
