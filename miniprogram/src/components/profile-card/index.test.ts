import { exists, loadOnce, renderAttached, textOf } from '../../test-support/simulate';
import { profileDisplay } from './display';

const id = loadOnce('components/profile-card/index');

describe('profile-card', () => {
  it('shows the empty state with an initial placeholder when nothing is set', () => {
    const comp = renderAttached(id, { nickname: '', avatarUrl: '', phone: '', loginCount: 1 });
    expect(textOf(comp, '.card__name')).toBe('No nickname yet');
    expect(textOf(comp, '.card__avatar--initial')).toBe('?');
    expect(textOf(comp, '.card__phone')).toBe('No phone number linked');
    expect(textOf(comp, '.card__meta')).toBe('First visit');
    expect(exists(comp, '.card__empty')).toBe(true);
  });

  it('shows nickname, avatar image and masked phone', () => {
    const comp = renderAttached(id, {
      nickname: 'Mia',
      avatarUrl: 'http://api.test/api/v1/avatars/a.png',
      phone: '138****8000',
      loginCount: 3,
    });
    expect(textOf(comp, '.card__name')).toBe('Mia');
    // Built-in <image> keeps src as a property, not a DOM attribute: check the node and the data bound to it.
    expect(comp.querySelector('.card__avatar')?.dom?.tagName).toBe('WX-IMAGE');
    expect(comp.data.avatarUrl).toBe('http://api.test/api/v1/avatars/a.png');
    expect(exists(comp, '.card__avatar--initial')).toBe(false);
    expect(textOf(comp, '.card__phone')).toBe('Phone 138****8000');
    expect(textOf(comp, '.card__meta')).toBe('Visits: 3');
    expect(exists(comp, '.card__empty')).toBe(false);
  });

  it('updates when the page passes new values', () => {
    const comp = renderAttached(id, { nickname: '', avatarUrl: '', phone: '', loginCount: 1 });
    comp.setData({ nickname: '🐼 Panda' });
    expect(textOf(comp, '.card__name')).toBe('🐼 Panda');
    expect(textOf(comp, '.card__avatar--initial')).toBe('🐼');
  });

  it('computes the display without touching the template', () => {
    expect(
      profileDisplay({ nickname: '  ', avatarUrl: 'x', phone: '', loginCount: 0 }),
    ).toMatchObject({
      displayName: 'No nickname yet',
      hasAvatar: true,
      isEmpty: false,
    });
  });
});
