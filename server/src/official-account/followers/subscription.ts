import type { FollowerState, SubscriptionStatus, SubscriptionView } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import type { OfficialAccountConfig } from '../../config';
import type { FollowerRetention } from '../../config/linkage';
import type { User } from '../../mini-program/users/user.model';
import { settleLinkage } from '../linkage-events/derive';
import { cursorName } from './import';

/**
 * "Does this person follow this official account?": the one rule, used by the
 * user view, `/me/subscription(s)` and the web OAuth result.
 *
 * - `unknown`: who they are is not known (no unionid / anonymous visitor), or
 *   no record matches and we cannot rule one out: the account's follower list
 *   has not been imported once yet, or a new follower's unionid lookup is
 *   still pending (that follower may be them).
 * - `subscribed`: the matched record says so.
 * - `unsubscribed`: the matched record is an unfollow and records are kept
 *   (`FOLLOWER_RETENTION=keep`) and a follow of theirs was seen.
 * - `never`: otherwise (with `erase`, an unfollow leaves only a tombstone).
 */
export interface StatusInput {
  /** The unionid (user) or openid (OAuth visitor) is known. */
  identityKnown: boolean;
  /** The record matched by that identity, if any (`source: 'event'` = an event was applied to it). */
  follower: (FollowerState & { source?: 'event' | 'backfill' }) | null;
  /** This account's follower list has been imported at least once. */
  listImported: boolean;
  /** Some current follower's unionid lookup is pending (irrelevant when matching by openid). */
  lookupPending: boolean;
  retention: FollowerRetention;
}

/** The status from what is known (pure). */
export function followerStatus(input: StatusInput): SubscriptionStatus {
  if (!input.identityKnown) return 'unknown';
  const follower = input.follower;
  if (follower?.subscribed === true) return 'subscribed';
  if (follower !== null) {
    // An unfollow event means they followed once; a live "subscribe=0" answer says nothing.
    const sawFollow = follower.subscribedAt !== null || follower.source === 'event';
    return input.retention === 'keep' && sawFollow ? 'unsubscribed' : 'never';
  }
  if (!input.listImported || input.lookupPending) return 'unknown';
  return 'never';
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** The API's `subscription` object for a status (times only where the status shows them). */
export function toSubscriptionView(
  account: Pick<OfficialAccountConfig, 'appid' | 'name' | 'qrCodeUrl'>,
  status: SubscriptionStatus,
  follower: FollowerState | null,
): SubscriptionView {
  const view: SubscriptionView = { officialAccountAppid: account.appid, status };
  if (follower !== null && (status === 'subscribed' || status === 'unsubscribed')) {
    if (follower.subscribedAt !== null) view.subscribedAt = iso(follower.subscribedAt);
    if (status === 'unsubscribed' && follower.unsubscribedAt !== null) {
      view.unsubscribedAt = iso(follower.unsubscribedAt);
    }
  }
  if (account.name !== undefined) view.accountName = account.name;
  if (account.qrCodeUrl !== undefined) view.qrCodeUrl = account.qrCodeUrl;
  return view;
}

type ViewDeps = Pick<AppDeps, 'config' | 'models' | 'clock' | 'followerViews'>;

/**
 * Accounts whose first import is known to have completed, per database (keyed
 * by its SyncCursor model). `firstCompletedAt` is written once and never
 * cleared, so a `true` stays true: the login path then skips the read.
 */
const importedOnce = new WeakMap<object, Set<string>>();

/** Whether the account's follower list has been imported at least once. */
export async function listImported(deps: Pick<AppDeps, 'models'>, appid: string): Promise<boolean> {
  const model = deps.models.SyncCursor;
  if (importedOnce.get(model)?.has(appid) === true) return true;
  const cursor = await model.findOne({ name: cursorName(appid) }).lean();
  const imported = (cursor?.firstCompletedAt ?? null) !== null;
  if (imported) importedOnce.set(model, (importedOnce.get(model) ?? new Set()).add(appid));
  return imported;
}

/**
 * How long a follow counts as "new" for the pending-lookup rule: a lookup
 * that keeps failing (a dead letter) must not turn every unmatched user into
 * `unknown` for good; the next reconciliation answers it from batchget.
 */
const NEW_FOLLOWER_SECONDS = 86_400;

/** The user's subscription to one account. */
async function getAccountSubscription(
  deps: ViewDeps,
  account: OfficialAccountConfig,
  user: Pick<User, 'unionid' | '_id'>,
): Promise<SubscriptionView> {
  const unionid = user.unionid ?? null;
  const retention = deps.config.linkage.followerRetention;
  if (unionid === null || unionid === '') {
    return toSubscriptionView(account, 'unknown', null);
  }
  const pendingSince = Math.floor(deps.clock.now().getTime() / 1000) - NEW_FOLLOWER_SECONDS;
  // Side by side: one database round trip on the login path, whatever the
  // answer (and no command at all for the import flag once it is seen set).
  const [{ follower: found, lookupPending: pending }, imported] = await Promise.all([
    deps.followerViews({ appid: account.appid, unionid, pendingSince }),
    listImported(deps, account.appid),
  ]);
  const status = followerStatus({
    identityKnown: true,
    follower: found,
    listImported: imported,
    lookupPending: pending,
    retention,
  });
  // A user whose unionid became known after the follow: their `user.followed` is owed now.
  if (found?.subscribed === true && found.linkedUserId !== user._id.toHexString()) {
    await settleLinkage(deps, { appid: account.appid, openid: found.openid }, true);
  }
  return toSubscriptionView(account, status, found);
}

/** `user.subscription` and `GET /me/subscription`: the primary account's. */
export function getSubscriptionView(
  deps: ViewDeps,
  user: Pick<User, 'unionid' | '_id'>,
): Promise<SubscriptionView> {
  return getAccountSubscription(deps, deps.config.officialAccount, user);
}

/** `GET /me/subscriptions`: one per configured account, in configuration order. */
export function listSubscriptionViews(
  deps: ViewDeps,
  user: Pick<User, 'unionid' | '_id'>,
): Promise<SubscriptionView[]> {
  return Promise.all(
    deps.config.officialAccounts.map((a) => getAccountSubscription(deps, a, user)),
  );
}
