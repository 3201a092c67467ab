import { subscriptionView, type SubscriptionView } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import type { User } from '../../mini-program/users/user.model';
import { findFollowerByUnionid } from './store';

/**
 * Whether the user follows the official account, from the follower records
 * joined by unionid: `unknown` while the user's unionid is not known,
 * `never` when no follower carries it, else subscribed/unsubscribed with times.
 */
export async function getSubscriptionView(
  deps: Pick<AppDeps, 'config' | 'models'>,
  user: Pick<User, 'unionid'>,
): Promise<SubscriptionView> {
  const appid = deps.config.officialAccount.appid;
  const userUnionid = user.unionid ?? null;
  if (userUnionid === null || userUnionid === '') {
    return subscriptionView(appid, { userUnionid: null, follower: null });
  }
  const follower = await findFollowerByUnionid(deps, appid, userUnionid);
  return subscriptionView(appid, { userUnionid, follower });
}
