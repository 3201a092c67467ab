/**
 * `<privacy-popup />` under miniprogram-simulate when two privacy APIs ask
 * before the user answers: one popup, one tap, and every waiting API gets
 * the answer. Each event's `resolve` answers only "触发当前
 * onNeedPrivacyAuthorization 事件的原隐私接口或组件", which otherwise "会处于
 * pending 状态" (api/open-api/privacy/wx.onNeedPrivacyAuthorization).
 */
import { useLanguage } from '../../i18n/index';
import { installPrivacyListener } from '../../services/privacy';
import type { FakeUi } from '../../test-support/fake-ui';
import { flush } from '../../test-support/fake-wx';
import { freshFakes } from '../../test-support/fresh-fakes';
import { exists, fire, loadOnce, renderAttached } from '../../test-support/simulate';
import type { Rendered } from '../../test-support/simulate';

useLanguage('zh_CN');
const id = loadOnce('components/privacy-popup/index');

let fakeUi: FakeUi;

beforeEach(() => {
  ({ fakeUi } = freshFakes());
  installPrivacyListener();
});

/** Two privacy APIs asking back to back; returns how each one ended. */
function askTwice(): Array<() => string> {
  return ['requirePrivacyAuthorize', 'button.getPhoneNumber'].map((referrer) => {
    let state = 'pending';
    fakeUi.ask(
      referrer,
      () => (state = 'granted'),
      (err) => (state = `errno ${err.errno}`),
    );
    return () => state;
  });
}

/** Each request's resolve was told of the popup, then given `answer`, once each. */
function expectEachAnsweredOnce(answer: string): void {
  expect(fakeUi.requests.map((r) => r.resolutions.map((x) => x.event))).toEqual([
    ['exposureAuthorization', answer],
    ['exposureAuthorization', answer],
  ]);
}

/** The user's answer on a popup: a tap on agree (which WeChat records) or on 拒绝. */
function answer(comp: Rendered, choice: 'agree' | 'disagree'): void {
  if (choice === 'disagree') return fire(comp, '#privacy-disagree', 'tap');
  fakeUi.tapAgreeButton('agree-btn');
  fire(comp, '#agree-btn', 'agreeprivacyauthorization');
}

describe('privacy-popup: two APIs waiting at once', () => {
  it.each([
    ['agree', 'lets both continue', 'granted'],
    ['disagree', 'fails both with errno 104', 'errno 104'],
  ] as const)('one tap on %s %s and closes the popup', async (choice, _what, outcome) => {
    const comp = renderAttached(id);
    await flush();
    const states = askTwice();
    await flush(1);
    expect(exists(comp, '#privacy-popup')).toBe(true);
    answer(comp, choice);
    await flush();
    expect(states.map((s) => s())).toEqual([outcome, outcome]);
    expectEachAnsweredOnce(choice);
    expect(exists(comp, '#privacy-popup')).toBe(false);
  });

  it('two popups on the page stack report one exposure per request, and either answers all', async () => {
    const lower = renderAttached(id);
    const upper = renderAttached(id);
    await flush();
    const states = askTwice();
    await flush(1);
    expect(exists(lower, '#privacy-popup') && exists(upper, '#privacy-popup')).toBe(true);
    answer(upper, 'agree');
    await flush();
    expect(states.map((s) => s())).toEqual(['granted', 'granted']);
    expectEachAnsweredOnce('agree');
    expect(exists(lower, '#privacy-popup')).toBe(false);
  });
});
