/**
 * The home page on WeChat's rules, in Simplified Chinese (the default):
 * phone errnos, following the official account(s), 注销账号, an operator
 * block, and the privacy popup.
 */
import { zh_CN } from '../../i18n/zh_CN';
import { useLanguage } from '../../i18n/index';
import { installPrivacyListener } from '../../services/privacy';
import type { FakeBackend } from '../../test-support/fake-backend';
import type { FakeUi } from '../../test-support/fake-ui';
import { flush } from '../../test-support/fake-wx';
import type { FakeWx } from '../../test-support/fake-wx';
import { errorBody, makeUser } from '../../test-support/fixtures';
import { freshFakes } from '../../test-support/fresh-fakes';
import { exists, find, fire, loadOnce, renderAttached, textOf } from '../../test-support/simulate';
import type { Rendered } from '../../test-support/simulate';

useLanguage('zh_CN');
const pageId = loadOnce('pages/home/index');

let wx: FakeWx;
let backend: FakeBackend;
let fakeUi: FakeUi;

beforeEach(() => {
  ({ wx, backend, fakeUi } = freshFakes());
});

async function openHome(): Promise<Rendered> {
  const comp = renderAttached(pageId);
  (comp.instance as unknown as { onShow(): void }).onShow();
  await flush();
  return comp;
}

describe('home in Simplified Chinese', () => {
  it('shows Chinese texts, 用户昵称 and the bundled default avatar for a new user', async () => {
    const comp = await openHome();
    expect(textOf(comp, '#profile >>> .card__name')).toBe('用户昵称');
    expect(find(comp, '#profile')!.instance.data.avatarSrc).toBe('/assets/default-avatar.png');
    expect(textOf(comp, '#btn-logout')).toBe('退出登录');
    expect(textOf(comp, '#follow >>> #badge-0 >>> .badge__label')).toBe('公众号关注状态未知');
  });
});

describe('home: getPhoneNumber outcomes', () => {
  it.each([
    [
      'quota (errno 1400001)',
      { errMsg: 'getPhoneNumber:fail no quota', errno: 1400001 },
      zh_CN.notice.phoneQuota,
    ],
    ['user refusal', { errMsg: 'getPhoneNumber:fail user deny' }, zh_CN.notice.phoneDeclined],
    [
      'privacy not agreed (errno 104)',
      { errMsg: 'getPhoneNumber:fail privacy permission is not authorized', errno: 104 },
      zh_CN.privacy.refused,
    ],
    [
      'item not declared (errno 112)',
      {
        errMsg: 'getPhoneNumber:fail api scope is not declared in the privacy agreement',
        errno: 112,
      },
      zh_CN.privacy.undeclared,
    ],
    [
      'anything else',
      { errMsg: 'getPhoneNumber:fail system error', errno: 1 },
      zh_CN.notice.phoneFailed,
    ],
  ])('%s: a distinct notice and no server call', async (_what, detail, text) => {
    const comp = await openHome();
    fire(comp, '#btn-phone', 'getphonenumber', detail);
    await flush();
    expect(textOf(comp, '#notice')).toBe(text);
    expect(wx.calls('POST', '/api/v1/me/phone')).toHaveLength(0);
  });

  it('sends only the code to the server', async () => {
    const comp = await openHome();
    fire(comp, '#btn-phone', 'getphonenumber', {
      errMsg: 'getPhoneNumber:ok',
      code: 'c-1',
      encryptedData: 'x',
      iv: 'y',
    });
    await flush();
    expect(wx.calls('POST', '/api/v1/me/phone')[0]?.data).toEqual({ code: 'c-1' });
    expect(textOf(comp, '#notice')).toBe(zh_CN.notice.phoneLinked);
  });
});

describe('home: following the official account', () => {
  const primary = {
    officialAccountAppid: 'wxoa123',
    status: 'never' as const,
    accountName: '链客服务号',
    qrCodeUrl: 'https://example.com/qr.png',
  };

  it('offers <official-account> when the primary account is not followed, none when it is', async () => {
    backend.subscriptions = [primary];
    const comp = await openHome();
    expect(exists(comp, '#follow >>> #official-account')).toBe(true);
    backend.subscriptions = [{ ...primary, status: 'subscribed' }];
    (comp.instance as unknown as { onShow(): void }).onShow(); // back from following it
    await flush();
    expect(textOf(comp, '#follow >>> #badge-0 >>> .badge__label')).toBe('已关注公众号');
    expect(exists(comp, '#follow >>> #official-account')).toBe(false);
  });

  it('falls back to the account name and QR code when the component reports bind:error', async () => {
    backend.subscriptions = [primary];
    const comp = await openHome();
    fire(comp, '#follow >>> #official-account', 'error', { status: 5, errMsg: '场景值错误' });
    await flush(1);
    expect(exists(comp, '#follow >>> #official-account')).toBe(false);
    expect(textOf(comp, '#follow >>> #follow-text')).toBe(
      '请在微信中搜索公众号“链客服务号”并关注。',
    );
    expect(find(comp, '#follow >>> #follow-qr')!.instance).toBeDefined();
    expect(find(comp, '#follow')!.instance.data.qrCodeUrl).toBe('https://example.com/qr.png');
  });

  it('without a configured name or QR code, says how to follow in general words', async () => {
    backend.subscriptions = [{ officialAccountAppid: 'wxoa123', status: 'unsubscribed' }];
    const comp = await openHome();
    fire(comp, '#follow >>> #official-account', 'error', { status: 3 });
    await flush(1);
    expect(textOf(comp, '#follow >>> #follow-text')).toContain('我们的公众号');
    expect(exists(comp, '#follow >>> #follow-qr')).toBe(false);
  });

  it('shows one status per account when there are several', async () => {
    backend.subscriptions = [
      { ...primary, status: 'subscribed' },
      { officialAccountAppid: 'wxoa456', status: 'never', accountName: '链客订阅号' },
    ];
    const comp = await openHome();
    expect(textOf(comp, '#follow >>> #badge-0 >>> .badge__account')).toBe('链客服务号');
    expect(textOf(comp, '#follow >>> #badge-0 >>> .badge__label')).toBe('已关注公众号');
    expect(textOf(comp, '#follow >>> #badge-1 >>> .badge__account')).toBe('链客订阅号');
    expect(textOf(comp, '#follow >>> #badge-1 >>> .badge__label')).toBe('未关注公众号');
    // The primary is followed: <official-account> (one per page, the console's account) is not offered.
    expect(exists(comp, '#follow >>> #official-account')).toBe(false);
  });
});

describe('home: 注销账号', () => {
  it('asks first, then deletes the account and returns to the signed-out state', async () => {
    backend.user = makeUser({ nickname: 'Mia' });
    const comp = await openHome();
    fire(comp, '#btn-delete-account', 'tap');
    await flush();
    expect(fakeUi.modals[0]?.title).toBe('注销账号');
    expect(wx.calls('DELETE', '/api/v1/me')).toHaveLength(1);
    expect(backend.deleted).toBe(true);
    expect(wx.storage.has('wxlink:session')).toBe(false);
    expect(exists(comp, '#state-signed-out')).toBe(true);
    expect(textOf(comp, '#notice')).toBe(zh_CN.notice.accountDeleted);
  });

  it('does nothing when the user cancels the dialog', async () => {
    const comp = await openHome();
    fakeUi.modalAnswer = false;
    fire(comp, '#btn-delete-account', 'tap');
    await flush();
    expect(wx.calls('DELETE', '/api/v1/me')).toHaveLength(0);
    expect(exists(comp, '#state-ready')).toBe(true);
  });

  it('keeps the user signed in and says why when the deletion fails', async () => {
    const comp = await openHome();
    wx.on('DELETE', '/api/v1/me', () => ({ fail: 'request:fail timeout' }));
    fire(comp, '#btn-delete-account', 'tap');
    await flush();
    expect(exists(comp, '#state-ready')).toBe(true);
    expect(wx.storage.has('wxlink:session')).toBe(true);
    expect(textOf(comp, '#notice')).toBe(zh_CN.error.timeout);
  });
});

describe('home: ACCOUNT_BLOCKED', () => {
  it('shows a clear Chinese message, no retry button, and does not try again on show', async () => {
    wx.on('POST', '/api/v1/sessions', () => ({ status: 403, body: errorBody('ACCOUNT_BLOCKED') }));
    const comp = await openHome();
    expect(exists(comp, '#state-blocked')).toBe(true);
    expect(textOf(comp, '#blocked-text')).toBe(zh_CN.state.blocked);
    expect(exists(comp, '#btn-retry')).toBe(false);
    (comp.instance as unknown as { onShow(): void }).onShow();
    await flush();
    expect(wx.calls('POST', '/api/v1/sessions')).toHaveLength(1);
  });
});

describe('home: privacy popup', () => {
  it('opens when a privacy API asks, reads the guideline, and lets the API continue on agree', async () => {
    expect(installPrivacyListener()).toBe(true);
    expect(installPrivacyListener()).toBe(true);
    expect(fakeUi.listenerCount).toBe(1); // registered once
    const comp = await openHome();
    expect(exists(comp, '#privacy >>> #privacy-popup')).toBe(false);
    let granted = false;
    fakeUi.ask(
      'button.getPhoneNumber',
      () => (granted = true),
      () => undefined,
    );
    await flush(1);
    expect(exists(comp, '#privacy >>> #privacy-popup')).toBe(true);
    expect(textOf(comp, '#privacy >>> .privacy__body')).toContain('《wxlink 隐私保护指引》');
    expect(fakeUi.resolutions).toEqual([{ event: 'exposureAuthorization' }]);
    fire(comp, '#privacy >>> #privacy-read', 'tap');
    await flush(1);
    expect(fakeUi.openContractCalls).toBe(1);
    fakeUi.tapAgreeButton('agree-btn');
    fire(comp, '#privacy >>> #agree-btn', 'agreeprivacyauthorization');
    await flush();
    expect(fakeUi.resolutions[1]).toEqual({ event: 'agree', buttonId: 'agree-btn' });
    expect(granted).toBe(true);
    expect(exists(comp, '#privacy >>> #privacy-popup')).toBe(false);
  });

  it('declining fails the pending API with errno 104', async () => {
    installPrivacyListener();
    const comp = await openHome();
    let failure: unknown = null;
    fakeUi.ask(
      'button.getPhoneNumber',
      () => undefined,
      (err) => (failure = err),
    );
    await flush(1);
    fire(comp, '#privacy >>> #privacy-disagree', 'tap');
    await flush();
    expect(failure).toMatchObject({ errno: 104 });
    expect(exists(comp, '#privacy >>> #privacy-popup')).toBe(false);
  });
});
