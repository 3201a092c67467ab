import { loadOnce, renderAttached, textOf } from '../../test-support/simulate';
import { useLanguage } from '../../i18n/index';
import { zh_CN } from '../../i18n/zh_CN';
import { subscriptionDisplay } from './display';

useLanguage('en');

const id = loadOnce('components/subscription-badge/index');

describe('subscription-badge', () => {
  it.each([
    ['subscribed', 'Following the official account', 'positive', false],
    ['unsubscribed', 'Unfollowed the official account', 'neutral', true],
    ['never', 'Not following the official account', 'neutral', true],
    ['unknown', 'Official account status unknown', 'warning', true],
  ] as const)('renders %s', (status, label, tone, hasHint) => {
    const comp = renderAttached(id, { status });
    expect(textOf(comp, '.badge__label')).toBe(label);
    expect(comp.querySelector('.badge')?.dom?.className).toContain(`badge--${tone}`);
    expect(textOf(comp, '.badge__hint') !== null).toBe(hasHint);
  });

  it('asks the user to authorize when the status is unknown', () => {
    const comp = renderAttached(id, { status: 'unknown' });
    expect(textOf(comp, '.badge__hint')).toContain('Authorize profile');
  });

  it('follows property changes', () => {
    const comp = renderAttached(id, { status: 'never' });
    comp.setData({ status: 'subscribed' });
    expect(textOf(comp, '.badge__label')).toBe('Following the official account');
  });

  it('shows anything unexpected as unknown', () => {
    expect(subscriptionDisplay('banned').label).toBe('Official account status unknown');
    expect(subscriptionDisplay(undefined).tone).toBe('warning');
  });

  it('names its account when given one, and speaks Chinese by default', () => {
    const comp = renderAttached(id, { status: 'never', accountName: '链客服务号' });
    expect(textOf(comp, '.badge__account')).toBe('链客服务号');
    expect(subscriptionDisplay('subscribed', '', zh_CN)).toMatchObject({
      label: '已关注公众号',
      hasAccount: false,
    });
  });
});
