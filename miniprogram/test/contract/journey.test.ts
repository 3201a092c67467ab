/**
 * The full journey through the real home page (miniprogram-simulate) and the
 * real server: first open → logged in → profile authorized → avatar and
 * nickname saved → phone bound → user follows the official account in the
 * sandbox → home shows `subscribed` → logout.
 */
import { exists, loadOnce, renderAttached, textOf } from '../../src/test-support/simulate';
import type { Rendered } from '../../src/test-support/simulate';
import { apiBase, newPhone, tempAvatar, waitFor } from './support';

const pageId = loadOnce('pages/home/index');

interface HomePage {
  onShow(): void;
  onPullDownRefresh(): void;
}

function fire(comp: Rendered, selector: string, event: string, detail: Record<string, unknown>) {
  comp.querySelector(selector)!.dispatchEvent(event, { detail });
}

it('first open → authorized → phone → subscribed → logout', async () => {
  const { wx, client, userId } = await newPhone();
  const comp = renderAttached(pageId);
  const page = comp.instance as HomePage;

  // First open: silent login.
  page.onShow();
  expect(exists(comp, '#state-loading')).toBe(true);
  await waitFor(() => comp.data.isReady === true);
  expect(textOf(comp, '#subscription >>> .badge__label')).toBe(
    'Not following the official account',
  );
  expect(textOf(comp, '#profile >>> .card__name')).toBe('No nickname yet');

  // getUserInfo button.
  fire(comp, '#btn-authorize', 'getuserinfo', await wx.getUserInfoDetail());
  await waitFor(() => comp.data.noticeText === 'Profile authorized.');
  const authorizedName = textOf(comp, '#profile >>> .card__name');
  expect(authorizedName).not.toBe('No nickname yet');

  // chooseAvatar + nickname input → upload, then PUT.
  fire(comp, '#btn-avatar', 'chooseavatar', { avatarUrl: tempAvatar() });
  fire(comp, '#input-nickname', 'input', { value: 'Journey' });
  await waitFor(() => comp.data.saveDisabled === false);
  comp.querySelector('#btn-save')!.dispatchEvent('tap', { detail: {} });
  await waitFor(() => comp.data.noticeText === 'Profile saved.');
  expect(textOf(comp, '#profile >>> .card__name')).toBe('Journey');
  expect(comp.data.avatarUrl.startsWith(`${apiBase()}/api/v1/avatars/`)).toBe(true);

  // getPhoneNumber button.
  fire(comp, '#btn-phone', 'getphonenumber', await wx.getPhoneNumberDetail());
  await waitFor(() => comp.data.noticeText === 'Phone number linked.');
  expect(textOf(comp, '#profile >>> .card__phone')).toMatch(/^Phone \d{3}\*{4}\d{4}$/);

  // The user follows the official account; WeChat (the sandbox) pushes the event.
  const followed = await wx.sandbox.follow(userId);
  expect(followed.push?.delivered).toBe(true);
  await waitFor(async () => {
    page.onPullDownRefresh();
    await new Promise((r) => setTimeout(r, 100));
    return comp.data.subscriptionStatus === 'subscribed';
  });
  expect(textOf(comp, '#subscription >>> .badge__label')).toBe('Following the official account');

  // Logout revokes the token on the server.
  const token = client.store.read()!.token;
  comp.querySelector('#btn-logout')!.dispatchEvent('tap', { detail: {} });
  await waitFor(() => comp.data.isSignedOut === true);
  expect(textOf(comp, '#notice')).toBe('You are logged out.');
  const res = await fetch(`${apiBase()}/api/v1/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(401);
});
