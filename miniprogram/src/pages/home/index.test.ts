import { en } from '../../i18n/en';
import { useLanguage } from '../../i18n/index';
import { FakeBackend } from '../../test-support/fake-backend';
import { flush } from '../../test-support/fake-wx';
import type { FakeWx } from '../../test-support/fake-wx';
import { errorBody, makeUser, userInfoDetail } from '../../test-support/fixtures';
import { freshFakes } from '../../test-support/fresh-fakes';
import { exists, fire, loadOnce, renderAttached, textOf } from '../../test-support/simulate';
import type { Rendered } from '../../test-support/simulate';

const RETAP_NOTICE = en.notice.retap;
// These tests read English; zh_CN (the default) has its own suite in wechat-rules.test.ts.
useLanguage('en');

const pageId = loadOnce('pages/home/index');
const BADGE = '#follow >>> #badge-0 >>> .badge__label';

interface HomePage {
  onShow(): void;
  onPullDownRefresh(): void;
}

let wx: FakeWx;
let backend: FakeBackend;

beforeEach(() => {
  ({ wx, backend } = freshFakes());
});

/** The global wx miniprogram-simulate installs (the page calls its stopPullDownRefresh). */
function simulatedWx(): WechatMiniprogram.Wx {
  return (globalThis as unknown as { wx: WechatMiniprogram.Wx }).wx;
}

function page(comp: Rendered): HomePage {
  return comp.instance;
}

/** Renders the page and runs onShow to completion (logged in, ready). */
async function openHome(): Promise<Rendered> {
  const comp = renderAttached(pageId);
  page(comp).onShow();
  await flush();
  return comp;
}

describe('home: loading, ready, error', () => {
  it('shows the loading state, then the logged-in user and subscription status', async () => {
    backend.user = makeUser({
      nickname: 'Mia',
      loginCount: 2,
      subscription: { officialAccountAppid: 'wxoa123', status: 'subscribed' },
    });
    const comp = renderAttached(pageId);
    page(comp).onShow();
    expect(exists(comp, '#state-loading')).toBe(true);
    expect(exists(comp, '#state-ready')).toBe(false);
    await flush();
    expect(exists(comp, '#state-loading')).toBe(false);
    expect(exists(comp, '#state-ready')).toBe(true);
    expect(textOf(comp, '#profile >>> .card__name')).toBe('Mia');
    expect(textOf(comp, BADGE)).toBe('Following the official account');
    expect(wx.loginCalls).toBe(1);
  });

  it.each([
    ['unsubscribed', 'Unfollowed the official account'],
    ['never', 'Not following the official account'],
    ['unknown', 'Official account status unknown'],
  ] as const)('shows the %s status', async (status, label) => {
    backend.user = makeUser({ subscription: { officialAccountAppid: 'wxoa123', status } });
    const comp = await openHome();
    expect(textOf(comp, BADGE)).toBe(label);
  });

  it('shows the empty profile state for a new user', async () => {
    const comp = await openHome();
    expect(textOf(comp, '#profile >>> .card__name')).toBe('WeChat user');
    expect(exists(comp, '#profile >>> .card__empty')).toBe(true);
    expect(textOf(comp, '#follow >>> #badge-0 >>> .badge__hint')).toContain('Authorize profile');
  });

  it('shows an error state with retry when the server is down, and recovers', async () => {
    wx.on('POST', '/api/v1/sessions', () => ({
      fail: 'request:fail errcode:-102 net::ERR_CONNECTION_REFUSED',
    }));
    const comp = await openHome();
    expect(exists(comp, '#state-error')).toBe(true);
    expect(textOf(comp, '#error-text')).toBe(
      'Login failed: Cannot reach the server. Check your connection and retry.',
    );
    new FakeBackend(wx); // the server is back
    fire(comp, '#btn-retry', 'tap');
    await flush();
    expect(exists(comp, '#state-error')).toBe(false);
    expect(exists(comp, '#state-ready')).toBe(true);
  });

  it('says so when the server does not answer in time', async () => {
    wx.loginReply = () => ({ fail: 'login:fail timeout' });
    const comp = await openHome();
    expect(textOf(comp, '#error-text')).toBe(
      'WeChat login failed. Check your connection and retry.',
    );
  });

  it('refreshes on every show', async () => {
    const comp = await openHome();
    backend.user = makeUser({
      subscription: { officialAccountAppid: 'wxoa123', status: 'subscribed' },
    });
    page(comp).onShow();
    await flush();
    expect(textOf(comp, BADGE)).toBe('Following the official account');
    expect(wx.calls('GET', '/api/v1/me')).toHaveLength(1);
    expect(wx.calls('GET', '/api/v1/me/subscriptions')).toHaveLength(2);
  });

  it('refreshes on pull-down, showing progress and stopping the pull-down animation', async () => {
    const stop = jest.spyOn(simulatedWx(), 'stopPullDownRefresh');
    const comp = await openHome();
    stop.mockClear();
    backend.user = makeUser({ nickname: 'Later' });
    page(comp).onPullDownRefresh();
    expect(exists(comp, '#refreshing')).toBe(true);
    await flush();
    expect(exists(comp, '#refreshing')).toBe(false);
    expect(textOf(comp, '#profile >>> .card__name')).toBe('Later');
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('keeps the data and shows a notice when a pull-down refresh fails', async () => {
    const stop = jest.spyOn(simulatedWx(), 'stopPullDownRefresh');
    const comp = await openHome();
    stop.mockClear();
    wx.on('GET', '/api/v1/me', () => ({ fail: 'request:fail timeout' }));
    page(comp).onPullDownRefresh();
    await flush();
    expect(exists(comp, '#state-ready')).toBe(true);
    expect(textOf(comp, '#notice')).toBe(
      'The server did not answer in time. Check your connection and retry.',
    );
    expect(comp.querySelector('#notice')?.dom?.className).toContain('notice--error');
    expect(stop).toHaveBeenCalledTimes(1);
  });
});

describe('home: getUserInfo button', () => {
  it('sends the button detail to POST /api/v1/me/profile and shows the result', async () => {
    const comp = await openHome();
    fire(comp, '#btn-authorize', 'getuserinfo', userInfoDetail());
    await flush(1);
    expect(comp.data.authorizeBusy).toBe(true);
    await flush();
    expect(comp.data.authorizeBusy).toBe(false);
    expect(wx.calls('POST', '/api/v1/me/profile')[0]?.data).toEqual({
      rawData: userInfoDetail().rawData,
      signature: userInfoDetail().signature,
      encryptedData: userInfoDetail().encryptedData,
      iv: userInfoDetail().iv,
    });
    expect(textOf(comp, '#profile >>> .card__name')).toBe('Band');
    expect(textOf(comp, BADGE)).toBe('Not following the official account');
    expect(textOf(comp, '#notice')).toBe('Profile authorized.');
  });

  it('does nothing but say so when the user declines', async () => {
    const comp = await openHome();
    fire(comp, '#btn-authorize', 'getuserinfo', { errMsg: 'getUserInfo:fail auth deny' });
    await flush();
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(0);
    expect(textOf(comp, '#notice')).toBe('Profile authorization was cancelled.');
  });

  it('on SESSION_KEY_STALE logs in again and retries by itself with fresh data', async () => {
    const comp = await openHome();
    const real = backend.profileHandler();
    let n = 0;
    wx.on('POST', '/api/v1/me/profile', (req) =>
      ++n === 1 ? { status: 409, body: errorBody('SESSION_KEY_STALE') } : real(req),
    );
    fire(comp, '#btn-authorize', 'getuserinfo', userInfoDetail());
    await flush(10);
    expect(textOf(comp, '#notice')).toBe('Profile authorized.');
    // Login 1 opened the page, login 2 followed the stale answer: its data is shown.
    expect(textOf(comp, '#profile >>> .card__name')).toBe('Band-2');
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(2);
    expect(wx.userInfoCalls).toEqual([true]);
    expect(comp.data.authorizeBusy).toBe(false);
  });

  it('when the one retry is stale again, asks for another tap (no loop)', async () => {
    const comp = await openHome();
    wx.on('POST', '/api/v1/me/profile', () => ({
      status: 409,
      body: errorBody('SESSION_KEY_STALE'),
    }));
    fire(comp, '#btn-authorize', 'getuserinfo', userInfoDetail());
    await flush(10);
    expect(textOf(comp, '#notice')).toBe(RETAP_NOTICE);
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(2);
    expect(wx.loginCalls).toBe(2);
    expect(comp.data.authorizeBusy).toBe(false);
  });

  it('when fresh user data cannot be had after a stale key, asks for another tap', async () => {
    const comp = await openHome();
    wx.on('POST', '/api/v1/me/profile', () => ({
      status: 409,
      body: errorBody('SESSION_KEY_STALE'),
    }));
    wx.userInfoReply = () => ({ fail: 'getUserInfo:fail auth deny' });
    fire(comp, '#btn-authorize', 'getuserinfo', userInfoDetail());
    await flush(10);
    expect(textOf(comp, '#notice')).toBe(RETAP_NOTICE);
    expect(wx.calls('POST', '/api/v1/me/profile')).toHaveLength(1);
    expect(comp.data.authorizeBusy).toBe(false);
  });

  it('shows a rejected signature as an error notice', async () => {
    const comp = await openHome();
    wx.on('POST', '/api/v1/me/profile', () => ({
      status: 422,
      body: errorBody('SIGNATURE_INVALID', 'bad', 'req-42'),
    }));
    fire(comp, '#btn-authorize', 'getuserinfo', userInfoDetail());
    await flush();
    expect(textOf(comp, '#notice')).toBe(
      'WeChat data could not be verified. Tap the button again. [ref req-42]',
    );
  });
});

describe('home: getPhoneNumber button', () => {
  it('sends detail.code to POST /api/v1/me/phone and shows the masked phone', async () => {
    const comp = await openHome();
    fire(comp, '#btn-phone', 'getphonenumber', {
      errMsg: 'getPhoneNumber:ok',
      code: 'phone-code-1',
    });
    await flush(1);
    expect(comp.data.phoneBusy).toBe(true);
    await flush();
    expect(wx.calls('POST', '/api/v1/me/phone')[0]?.data).toEqual({ code: 'phone-code-1' });
    expect(textOf(comp, '#profile >>> .card__phone')).toBe('Phone 138****8000');
    expect(textOf(comp, '#notice')).toBe('Phone number linked.');
    expect(comp.data.phoneBusy).toBe(false);
  });

  it('sends nothing when the user declines', async () => {
    const comp = await openHome();
    fire(comp, '#btn-phone', 'getphonenumber', { errMsg: 'getPhoneNumber:fail user deny' });
    await flush();
    expect(wx.calls('POST', '/api/v1/me/phone')).toHaveLength(0);
    expect(textOf(comp, '#notice')).toBe('Phone number was not shared.');
  });

  it('shows an exhausted quota as an error notice', async () => {
    const comp = await openHome();
    wx.on('POST', '/api/v1/me/phone', () => ({
      status: 402,
      body: errorBody('WECHAT_QUOTA_EXHAUSTED'),
    }));
    fire(comp, '#btn-phone', 'getphonenumber', { code: 'phone-code-1' });
    await flush();
    expect(textOf(comp, '#notice')).toBe(
      'Phone number lookup is unavailable right now. Try later.',
    );
  });
});

describe('home: logout', () => {
  it('revokes the session, shows the signed-out state and does not log in on show', async () => {
    backend.user = makeUser({ nickname: 'Mia' });
    const comp = await openHome();
    fire(comp, '#btn-logout', 'tap');
    await flush();
    expect(wx.calls('DELETE', '/api/v1/sessions/current')).toHaveLength(1);
    expect(wx.storage.has('wxlink:session')).toBe(false);
    expect(exists(comp, '#state-signed-out')).toBe(true);
    expect(exists(comp, '#state-ready')).toBe(false);
    expect(textOf(comp, '#notice')).toBe('You are logged out.');
    page(comp).onShow();
    await flush();
    expect(wx.loginCalls).toBe(1);
    expect(exists(comp, '#state-signed-out')).toBe(true);
  });

  it('logs in again from the signed-out state', async () => {
    const comp = await openHome();
    fire(comp, '#btn-logout', 'tap');
    await flush();
    fire(comp, '#btn-login', 'tap');
    await flush(1);
    expect(exists(comp, '#state-loading')).toBe(true);
    await flush();
    expect(exists(comp, '#state-ready')).toBe(true);
    expect(wx.loginCalls).toBe(2);
  });

  it('logs out locally and says so when the server is unreachable', async () => {
    const comp = await openHome();
    wx.on('DELETE', '/api/v1/sessions/current', () => ({ fail: 'request:fail timeout' }));
    fire(comp, '#btn-logout', 'tap');
    await flush();
    expect(exists(comp, '#state-signed-out')).toBe(true);
    expect(textOf(comp, '#notice')).toContain('The server was not reachable');
  });
});
