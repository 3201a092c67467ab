import { exists, loadOnce, renderAttached, textOf } from '../../test-support/simulate';
import { useLanguage } from '../../i18n/index';
import { zh_CN } from '../../i18n/zh_CN';
import { DEFAULT_AVATAR, profileDisplay, shortenNickname } from './display';

useLanguage('en');
const id = loadOnce('components/profile-card/index');

describe('profile-card', () => {
  it('shows the empty state with the default avatar when nothing is set', () => {
    const comp = renderAttached(id, { nickname: '', avatarUrl: '', phone: '', loginCount: 1 });
    expect(textOf(comp, '.card__name')).toBe('WeChat user');
    expect(comp.data.avatarSrc).toBe(DEFAULT_AVATAR);
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
    expect(comp.data.avatarSrc).toBe('http://api.test/api/v1/avatars/a.png');
    expect(textOf(comp, '.card__phone')).toBe('Phone 138****8000');
    expect(textOf(comp, '.card__meta')).toBe('Visits: 3');
    expect(exists(comp, '.card__empty')).toBe(false);
  });

  it('updates when the page passes new values', () => {
    const comp = renderAttached(id, { nickname: '', avatarUrl: '', phone: '', loginCount: 1 });
    comp.setData({ nickname: '🐼 Panda' });
    expect(textOf(comp, '.card__name')).toBe('🐼 Panda');
    expect(comp.data.avatarSrc).toBe(DEFAULT_AVATAR);
  });

  it('computes the display without touching the template', () => {
    expect(
      profileDisplay({ nickname: '  ', avatarUrl: 'x', phone: '', loginCount: 0 }),
    ).toMatchObject({
      displayName: 'WeChat user',
      hasAvatar: true,
      isEmpty: false,
    });
  });

  it('shortens long nicknames to 12 characters without splitting a character', () => {
    expect(shortenNickname('一二三四五六七八九十十一')).toBe('一二三四五六七八九十十一');
    expect(shortenNickname('一二三四五六七八九十壹贰叁')).toBe('一二三四五六七八九十壹贰…');
    // 11 letters then an emoji (a surrogate pair) at the cut: kept whole.
    expect(shortenNickname('abcdefghijk🐼xyz')).toBe('abcdefghijk🐼…');
    expect(shortenNickname('🐼'.repeat(13))).toBe(`${'🐼'.repeat(12)}…`);
    expect(shortenNickname('🐼'.repeat(13)).includes('\uFFFD')).toBe(false);
    const comp = renderAttached(id, {
      nickname: 'abcdefghijklmnop',
      avatarUrl: '',
      phone: '',
      loginCount: 1,
    });
    expect(textOf(comp, '.card__name')).toBe('abcdefghijkl…');
  });

  it('speaks Chinese by default: 用户昵称 for a user without a nickname', () => {
    const d = profileDisplay(
      { nickname: '', avatarUrl: '', phone: '138****8000', loginCount: 2 },
      zh_CN,
    );
    expect(d).toMatchObject({
      displayName: '用户昵称',
      phoneText: '手机号 138****8000',
      loginCountText: '访问次数：2',
    });
  });
});
