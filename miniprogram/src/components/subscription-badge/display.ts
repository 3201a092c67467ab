import type { SubscriptionStatus } from '@wxlink/contracts';
import { messages } from '../../i18n/index';
import type { Catalogue } from '../../i18n/index';

export type BadgeTone = 'positive' | 'neutral' | 'warning';

export interface SubscriptionDisplay {
  /** The account's name, shown when the user can follow several accounts ('' otherwise). */
  accountText: string;
  hasAccount: boolean;
  label: string;
  hint: string;
  hasHint: boolean;
  tone: BadgeTone;
}

const TONE: Readonly<Record<SubscriptionStatus, BadgeTone>> = {
  subscribed: 'positive',
  unsubscribed: 'neutral',
  never: 'neutral',
  unknown: 'warning',
};

function statusOf(status: unknown): SubscriptionStatus {
  return status === 'subscribed' || status === 'unsubscribed' || status === 'never'
    ? status
    : 'unknown';
}

/** What the badge shows for a status; anything unexpected is shown as `unknown`. */
export function subscriptionDisplay(
  status: unknown,
  accountName = '',
  m: Catalogue = messages(),
): SubscriptionDisplay {
  const key = statusOf(status);
  const hint = m.subscription.hint[key];
  return {
    accountText: accountName,
    hasAccount: accountName !== '',
    label: m.subscription.label[key],
    hint,
    hasHint: hint !== '',
    tone: TONE[key],
  };
}
