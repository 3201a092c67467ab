/**
 * The full journey through the real home page (miniprogram-simulate) and the
 * real server: first open → logged in → profile authorized → avatar and
 * nickname saved → phone bound → user follows the official account in the
 * sandbox → home shows `subscribed` → logout.
 */
import { useLanguage } from '../../src/i18n/index';
import { exists, fire, loadOnce, renderAttached, textOf } from '../../src/test-support/simulate';
import { apiBase, newPhone, tempAvatar, waitFor } from './support';

// Simplified Chinese, as most users read it.
useLanguage('zh_CN');
const pageId = loadOnce('pages/home/index');
const BADGE = '#follow >>> #badge-0 >>> .badge__label';

interface HomePage {
  onShow(): void;
  onPullDownRefresh(): void;
}

it('first open → authorized → phone → subscribed → logout', async () => {
  const { wx, client, userId } = await newPhone();
  const comp = renderAttached(pageId);
  const page = comp.instance as HomePage;

  // First open: silent login.
  page.onShow();
  expect(exists(comp, '#state-loading')).toBe(true);
  await waitFor(() => comp.data.isReady === true);
  expect(textOf(comp, BADGE)).toBe('未关注公众号');
  expect(textOf(comp, '#profile >>> .card__name')).toBe('用户昵称');

  // getUserInfo button.
  fire(comp, '#btn-authorize', 'getuserinfo', await wx.getUserInfoDetail());
  await waitFor(() => comp.data.noticeText === '微信资料已授权。');
  const authorizedName = textOf(comp, '#profile >>> .card__name');
  expect(authorizedName).not.toBe('用户昵称');

  // chooseAvatar + nickname read on form submit → upload, then PUT.
  fire(comp, '#editor >>> #btn-avatar', 'chooseavatar', { avatarUrl: tempAvatar() });
  fire(comp, '#editor >>> #profile-form', 'submit', { value: { nickname: 'Journey' } });
  await waitFor(() => comp.data.noticeText === '资料已保存。');
  expect(textOf(comp, '#profile >>> .card__name')).toBe('Journey');
  expect(comp.data.avatarUrl.startsWith(`${apiBase()}/api/v1/avatars/`)).toBe(true);

  // getPhoneNumber button.
  fire(comp, '#btn-phone', 'getphonenumber', await wx.getPhoneNumberDetail());
  await waitFor(() => comp.data.noticeText === '手机号已绑定。');
  expect(textOf(comp, '#profile >>> .card__phone')).toMatch(/^手机号 \d{3}\*{4}\d{4}$/);

  // The user follows the official account; WeChat (the sandbox) pushes the event.
  const followed = await wx.sandbox.follow(userId);
  expect(followed.push?.delivered).toBe(true);
  await waitFor(async () => {
    page.onPullDownRefresh();
    await new Promise((r) => setTimeout(r, 100));
    return (comp.data.accounts as Array<{ status: string }>)[0]?.status === 'subscribed';
  });
  expect(textOf(comp, BADGE)).toBe('已关注公众号');

  // Logout revokes the token on the server.
  const token = client.store.read()!.token;
  fire(comp, '#btn-logout', 'tap');
  await waitFor(() => comp.data.isSignedOut === true);
  expect(textOf(comp, '#notice')).toBe('你已退出登录。');
  const res = await fetch(`${apiBase()}/api/v1/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(401);
});
