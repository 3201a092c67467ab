import { maskPhone, type UserView } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import type { User } from './user.model';
import { getSubscriptionView } from '../../official-account/followers/subscription';

/**
 * The user as the mini-program sees it (contracts UserView). Built field by
 * field from an allow-list so openid, unionid, session_key or anything added
 * to the model later can never leak into a response.
 */
export async function toUserView(
  deps: Pick<AppDeps, 'config' | 'models' | 'clock' | 'followerViews'>,
  user: User,
): Promise<UserView> {
  return {
    id: user._id.toHexString(),
    nickname: user.nickname ?? null,
    avatarUrl: user.avatarUrl ?? null,
    phone: user.phone ? maskPhone(user.phone.phoneNumber) : null,
    hasUnionId: Boolean(user.unionid),
    subscription: await getSubscriptionView(deps, user),
    createdAt: user.createdAt.toISOString(),
    lastLoginAt: user.lastLoginAt.toISOString(),
    loginCount: user.loginCount,
  };
}
