import { en } from '../../i18n/en';
import { useLanguage } from '../../i18n/index';
import { installPrivacyListener } from '../../services/privacy';
import type { FakeUi } from '../../test-support/fake-ui';
import { flush } from '../../test-support/fake-wx';
import type { FakeWx } from '../../test-support/fake-wx';
import { errorBody } from '../../test-support/fixtures';
import { freshFakes } from '../../test-support/fresh-fakes';
import { exists, fire, loadOnce, renderAttached } from '../../test-support/simulate';
import { submission } from './submission';

useLanguage('en');
const id = loadOnce('components/profile-editor/index');

let wx: FakeWx;
let fakeUi: FakeUi;

beforeEach(() => {
  ({ wx, fakeUi } = freshFakes());
});

/** Renders the editor and records what it tells the page. */
async function editor() {
  const comp = renderAttached(id);
  const notices: Array<{ tone: string; text: string }> = [];
  const saved: unknown[] = [];
  // j-component's root node takes listeners for the component's own triggerEvent.
  const root = comp as unknown as {
    addEventListener(name: string, fn: (e: { detail: unknown }) => void): void;
  };
  root.addEventListener('notice', (e) => notices.push(e.detail as { tone: string; text: string }));
  root.addEventListener('saved', (e) => saved.push((e.detail as { user: unknown }).user));
  await flush();
  return { comp, notices, saved };
}

describe('profile-editor: nickname after WeChat review, on form submit', () => {
  it('reads the nickname from the submit event and uploads the avatar first', async () => {
    fakeUi.agreed = true;
    const { comp, notices, saved } = await editor();
    fire(comp, '#btn-avatar', 'chooseavatar', { avatarUrl: 'wxfile://tmp/a.png' });
    await flush(1);
    expect(exists(comp, '#draft-avatar')).toBe(true);
    fire(comp, '#input-nickname', 'nicknamereview', { pass: true, timeout: false });
    fire(comp, '#profile-form', 'submit', { value: { nickname: ' Mia ' } });
    await flush();
    expect(wx.requests.map((r) => `${r.method} ${r.path}`).slice(-2)).toEqual([
      'POST /api/v1/me/avatar',
      'PUT /api/v1/me/profile',
    ]);
    expect(wx.calls('PUT', '/api/v1/me/profile')[0]?.data).toEqual({
      nickname: 'Mia',
      avatarUrl: '/api/v1/avatars/av_1.png',
    });
    expect(saved).toHaveLength(1);
    expect(notices.at(-1)).toEqual({ tone: 'success', text: en.notice.profileSaved });
    expect(exists(comp, '#draft-avatar')).toBe(false);
  });

  it('never saves from input or blur events', async () => {
    const { comp } = await editor();
    fire(comp, '#input-nickname', 'input', { value: 'Kai' });
    fire(comp, '#input-nickname', 'blur', { value: 'Kai' });
    await flush();
    expect(wx.calls('PUT', '/api/v1/me/profile')).toHaveLength(0);
    expect(comp.instance.data).not.toHaveProperty('draftNickname');
  });

  it('does not send a nickname WeChat’s review rejected', async () => {
    const { comp, notices } = await editor();
    fire(comp, '#input-nickname', 'nicknamereview', { pass: false, timeout: false });
    await flush(1);
    expect(notices.at(-1)).toEqual({ tone: 'error', text: en.notice.nicknameRejected });
    fire(comp, '#profile-form', 'submit', { value: { nickname: 'bad words' } });
    await flush();
    expect(wx.calls('PUT', '/api/v1/me/profile')).toHaveLength(0);
  });

  it('says so when nothing was entered, and keeps the draft when saving fails', async () => {
    const { comp, notices } = await editor();
    fire(comp, '#profile-form', 'submit', { value: { nickname: '  ' } });
    await flush();
    expect(notices.at(-1)).toEqual({ tone: 'info', text: en.notice.nothingToSave });
    wx.on('POST', '/api/v1/me/avatar', () => ({
      status: 413,
      body: errorBody('PAYLOAD_TOO_LARGE'),
    }));
    fire(comp, '#btn-avatar', 'chooseavatar', { avatarUrl: 'wxfile://tmp/big.png' });
    fire(comp, '#profile-form', 'submit', { value: { nickname: '' } });
    await flush();
    expect(notices.at(-1)?.text).toBe('That image is too large. Choose a smaller one.');
    expect(exists(comp, '#draft-avatar')).toBe(true);
    expect(comp.instance.data.saveBusy).toBe(false);
  });

  it('plans a submit from nickname, avatar and review state', () => {
    expect(submission('', '', 'none')).toEqual({ kind: 'nothing' });
    expect(submission('a', '', 'fail')).toEqual({ kind: 'rejected' });
    expect(submission('', 'p', 'fail')).toEqual({ kind: 'save', changes: { avatarFilePath: 'p' } });
    expect(submission('a', '', 'pass')).toEqual({ kind: 'save', changes: { nickname: 'a' } });
  });
});

describe('profile-editor: privacy before the nickname input takes focus', () => {
  it('keeps the input disabled until wx.requirePrivacyAuthorize succeeds, then focuses it', async () => {
    installPrivacyListener();
    const { comp } = await editor();
    expect(comp.instance.data.nicknameLocked).toBe(true);
    fakeUi.agreed = true; // the user agrees in the popup
    fire(comp, '#nickname-lock', 'tap');
    await flush();
    expect(comp.instance.data).toMatchObject({ nicknameLocked: false, nicknameFocus: true });
    expect(exists(comp, '#nickname-lock')).toBe(false);
  });

  it.each([
    ['refused (errno 104)', false, true, en.privacy.refused],
    ['not declared (errno 112)', true, false, en.privacy.undeclared],
  ])('explains %s and keeps the input locked', async (_what, listen, declared, text) => {
    if (listen) installPrivacyListener();
    fakeUi.declared = declared;
    const { comp, notices } = await editor();
    fire(comp, '#nickname-lock', 'tap');
    await flush();
    expect(notices.at(-1)).toEqual({ tone: 'error', text });
    expect(comp.instance.data.nicknameLocked).toBe(true);
  });

  it('is unlocked from the start once the user has agreed before', async () => {
    fakeUi.agreed = true;
    const { comp } = await editor();
    expect(comp.instance.data.nicknameLocked).toBe(false);
  });
});
