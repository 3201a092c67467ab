import type { SubscriptionView } from '@wxlink/contracts';
import { messages } from '../../i18n/index';
import type { Catalogue } from '../../i18n/index';

/** One official account as the panel receives it (a SubscriptionView's display fields). */
export type FollowAccount = Pick<
  SubscriptionView,
  'officialAccountAppid' | 'status' | 'accountName' | 'qrCodeUrl'
>;

export interface FollowItem {
  appid: string;
  status: string;
  /** The account's name when there are several accounts, so each badge says which. */
  accountText: string;
}

export interface FollowDisplay {
  items: FollowItem[];
  /** Show `<official-account>` (it shows the account set in the console: the primary). */
  offerFollow: boolean;
  fallbackText: string;
  qrText: string;
  qrCodeUrl: string;
  hasQr: boolean;
}

/**
 * The panel's view of the accounts, first = primary. Badges name their
 * account only when there is more than one; following is offered when the
 * primary account is not followed.
 */
export function followDisplay(accounts: FollowAccount[], m: Catalogue = messages()): FollowDisplay {
  const several = accounts.length > 1;
  const items = accounts.map((a) => ({
    appid: a.officialAccountAppid,
    status: a.status,
    accountText: several ? (a.accountName ?? a.officialAccountAppid) : '',
  }));
  const primary = accounts[0];
  const qrCodeUrl = primary?.qrCodeUrl ?? '';
  return {
    items,
    offerFollow: primary !== undefined && primary.status !== 'subscribed',
    fallbackText: m.subscription.followByName(
      primary?.accountName ?? m.subscription.unnamedAccount,
    ),
    qrText: m.subscription.followByQr,
    qrCodeUrl,
    hasQr: qrCodeUrl !== '',
  };
}
