/**
 * The privacy relay when several privacy APIs wait on one prompt. WeChat
 * gives every onNeedPrivacyAuthorization event its own `resolve`, and only
 * that call answers "触发当前 onNeedPrivacyAuthorization 事件的原隐私接口或组件"
 * (api/open-api/privacy/wx.onNeedPrivacyAuthorization): an unanswered one
 * leaves its API pending for good.
 */
import type { FakeUi } from '../test-support/fake-ui';
import { flush } from '../test-support/fake-wx';
import { freshFakes } from '../test-support/fresh-fakes';
import {
  agreePrivacy,
  disagreePrivacy,
  installPrivacyListener,
  onPrivacyRequest,
  PrivacyError,
  privacyPopupShown,
  requirePrivacyAuthorization,
  resetPrivacyForTests,
} from './privacy';
import type { PrivacyRequest } from './privacy';
import { configureUi } from './ui';
import type { PrivacyResolution, UiPort } from './ui';

let fakeUi: FakeUi;
/** What a stand-in popup was told, in order (null = close). */
let shown: Array<PrivacyRequest | null>;

beforeEach(() => {
  ({ fakeUi } = freshFakes());
  expect(installPrivacyListener()).toBe(true);
  shown = [];
  // The popup component's behaviour: report exposure whenever it is asked to show.
  onPrivacyRequest((request) => {
    shown.push(request);
    if (request) privacyPopupShown();
  });
});

/** Settles to 'granted' or the PrivacyError; 'pending' while the API still waits. */
function track(p: Promise<void>): { state: () => 'pending' | 'granted' | PrivacyError } {
  let state: 'pending' | 'granted' | PrivacyError = 'pending';
  p.then(
    () => (state = 'granted'),
    (err: PrivacyError) => (state = err),
  );
  return { state: () => state };
}

/** A privacy component's own call (e.g. the phone button), next to requirePrivacyAuthorize. */
function askAsComponent(referrer: string) {
  let state: 'pending' | 'granted' | number = 'pending';
  fakeUi.ask(
    referrer,
    () => (state = 'granted'),
    (err) => (state = err.errno ?? -1),
  );
  return { state: () => state };
}

describe('privacy: several APIs waiting on one prompt', () => {
  it('an agree naming a button the user did not tap does not let the API continue', async () => {
    const first = askAsComponent('requirePrivacyAuthorize');
    await flush(1);
    expect(() => agreePrivacy('agree-btn')).toThrow('was not tapped');
    await flush();
    expect(first.state()).toBe('pending');
  });

  it('agree lets every pending API continue, each resolve told exactly once', async () => {
    const first = track(requirePrivacyAuthorization());
    const second = askAsComponent('button.getPhoneNumber');
    await flush(1);
    expect(fakeUi.requests).toHaveLength(2);
    expect(first.state()).toBe('pending');

    fakeUi.tapAgreeButton('agree-btn');
    agreePrivacy('agree-btn');
    await flush();

    expect(first.state()).toBe('granted');
    expect(second.state()).toBe('granted');
    for (const request of fakeUi.requests) {
      expect(request.resolutions).toEqual([
        { event: 'exposureAuthorization' },
        { event: 'agree', buttonId: 'agree-btn' },
      ]);
    }
    expect(shown.at(-1)).toBeNull(); // the popup closes once nothing waits
  });

  it('disagree fails every pending API with errno 104, each resolve told exactly once', async () => {
    const first = track(requirePrivacyAuthorization());
    const second = askAsComponent('button.getPhoneNumber');
    await flush(1);

    disagreePrivacy();
    await flush();

    const err = first.state();
    expect(err).toBeInstanceOf(PrivacyError);
    expect(err).toMatchObject({ failure: 'refused', errno: 104 });
    expect(second.state()).toBe(104);
    for (const request of fakeUi.requests) {
      expect(request.resolutions).toEqual([
        { event: 'exposureAuthorization' },
        { event: 'disagree' },
      ]);
    }
  });

  it('a second tap, or an answer with nothing pending, answers nobody again', async () => {
    agreePrivacy('agree-btn'); // nothing pending: a no-op, not a crash
    const first = askAsComponent('requirePrivacyAuthorize');
    const second = askAsComponent('button.getPhoneNumber');
    await flush(1);
    fakeUi.tapAgreeButton('agree-btn');
    agreePrivacy('agree-btn');
    agreePrivacy('agree-btn');
    disagreePrivacy();
    await flush();
    expect([first.state(), second.state()]).toEqual(['granted', 'granted']);
    expect(fakeUi.requests.map((r) => r.resolutions.length)).toEqual([2, 2]);
  });

  it('an answer covers only the requests that were waiting; a later one opens a new prompt', async () => {
    const early = askAsComponent('requirePrivacyAuthorize');
    await flush(1);
    disagreePrivacy();
    await flush();
    expect(early.state()).toBe(104);

    const late = askAsComponent('button.getPhoneNumber');
    await flush(1);
    expect(shown.at(-1)).toEqual({ referrer: 'button.getPhoneNumber' });
    expect(late.state()).toBe('pending');
    fakeUi.tapAgreeButton('agree-btn');
    agreePrivacy('agree-btn');
    await flush();
    expect(late.state()).toBe('granted');
    expect(fakeUi.requests[0]!.resolutions).toEqual([
      { event: 'exposureAuthorization' },
      { event: 'disagree' },
    ]);
  });

  it('exposure is reported once per request however often the popup says it is shown', async () => {
    askAsComponent('requirePrivacyAuthorize');
    await flush(1);
    privacyPopupShown(); // e.g. a second page's popup on the stack
    askAsComponent('button.getPhoneNumber');
    await flush(1);
    privacyPopupShown();
    expect(fakeUi.requests.map((r) => r.resolutions)).toEqual([
      [{ event: 'exposureAuthorization' }],
      [{ event: 'exposureAuthorization' }],
    ]);
  });

  it('a resolve that throws does not keep the others from their answer', () => {
    let fire: (resolve: (r: PrivacyResolution) => void) => void = () => undefined;
    configureUi({
      onNeedPrivacyAuthorization: (listener) => {
        fire = (resolve) => listener(resolve, { referrer: 'requirePrivacyAuthorize' });
      },
      showModal: () => undefined,
    } satisfies UiPort);
    resetPrivacyForTests(); // forget the FakeUi listener from beforeEach
    installPrivacyListener();
    const told: string[] = [];
    fire((r) => {
      if (r.event === 'agree') throw new Error('base library hiccup');
    });
    fire((r) => told.push(r.event));
    expect(() => agreePrivacy('agree-btn')).toThrow('base library hiccup');
    expect(told).toEqual(['agree']);
    agreePrivacy('agree-btn');
    expect(told).toEqual(['agree']);
  });
});
