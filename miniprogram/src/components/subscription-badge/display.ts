import type { SubscriptionStatus } from '@wxlink/contracts';

export type BadgeTone = 'positive' | 'neutral' | 'warning';

export interface SubscriptionDisplay {
  label: string;
  hint: string;
  hasHint: boolean;
  tone: BadgeTone;
}

const DISPLAY: Readonly<Record<SubscriptionStatus, Omit<SubscriptionDisplay, 'hasHint'>>> = {
  subscribed: { label: 'Following the official account', hint: '', tone: 'positive' },
  unsubscribed: {
    label: 'Unfollowed the official account',
    hint: 'Follow it again to get our messages.',
    tone: 'neutral',
  },
  never: {
    label: 'Not following the official account',
    hint: 'Follow the official account to get our messages.',
    tone: 'neutral',
  },
  unknown: {
    label: 'Official account status unknown',
    hint: 'Tap “Authorize profile” so we can link your WeChat account.',
    tone: 'warning',
  },
};

/** What the badge shows for a status; anything unexpected is shown as `unknown`. */
export function subscriptionDisplay(status: unknown): SubscriptionDisplay {
  const key: SubscriptionStatus =
    status === 'subscribed' || status === 'unsubscribed' || status === 'never' ? status : 'unknown';
  const d = DISPLAY[key];
  return { ...d, hasHint: d.hint !== '' };
}
