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
import { exists, loadOnce, renderAttached } from '../../test-support/simulate';
import type { Rendered } from '../../test-support/simulate';

useLanguage('zh_CN');
const id = loadOnce('components/privacy-popup/index');

let fakeUi: FakeUi;

beforeEach(() => {
  ({ fakeUi } = freshFakes());
  installPrivacyListener();
});

function fire(comp: Rendered, selector: string, event: string): void {
  comp.querySelector(selector)!.dispatchEvent(event, { detail: {} });
}

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

describe('privacy-popup: two APIs waiting at once', () => {
  it('one tap on agree lets both continue and closes the popup', async () => {
    const comp = renderAttached(id);
    await flush();
    const states = askTwice();
    await flush(1);
    expect(exists(comp, '#privacy-popup')).toBe(true);
    fire(comp, '#agree-btn', 'agreeprivacyauthorization');
    await flush();
    expect(states.map((s) => s())).toEqual(['granted', 'granted']);
    expect(fakeUi.requests.map((r) => r.resolutions.map((x) => x.event))).toEqual([
      ['exposureAuthorization', 'agree'],
      ['exposureAuthorization', 'agree'],
    ]);
    expect(exists(comp, '#privacy-popup')).toBe(false);
  });

  it('one tap on disagree fails both with errno 104 and closes the popup', async () => {
    const comp = renderAttached(id);
    await flush();
    const states = askTwice();
    await flush(1);
    fire(comp, '#privacy-disagree', 'tap');
    await flush();
    expect(states.map((s) => s())).toEqual(['errno 104', 'errno 104']);
    expect(fakeUi.requests.map((r) => r.resolutions.map((x) => x.event))).toEqual([
      ['exposureAuthorization', 'disagree'],
      ['exposureAuthorization', 'disagree'],
    ]);
    expect(exists(comp, '#privacy-popup')).toBe(false);
  });

  it('two popups on the page stack report one exposure per request, and either answers all', async () => {
    const lower = renderAttached(id);
    const upper = renderAttached(id);
    await flush();
    const states = askTwice();
    await flush(1);
    expect(exists(lower, '#privacy-popup') && exists(upper, '#privacy-popup')).toBe(true);
    fire(upper, '#agree-btn', 'agreeprivacyauthorization');
    await flush();
    expect(states.map((s) => s())).toEqual(['granted', 'granted']);
    expect(fakeUi.requests.map((r) => r.resolutions.map((x) => x.event))).toEqual([
      ['exposureAuthorization', 'agree'],
      ['exposureAuthorization', 'agree'],
    ]);
    expect(exists(lower, '#privacy-popup')).toBe(false);
  });
});
