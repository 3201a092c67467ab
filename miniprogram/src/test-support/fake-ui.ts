/**
 * A scripted stand-in for the privacy APIs and wx.showModal, behaving as
 * WeChat documents them: requirePrivacyAuthorize succeeds at once once the
 * user agreed, otherwise fires the onNeedPrivacyAuthorization listener and
 * waits for `resolve`; agree → success, disagree → fail errno 104; an item
 * missing from the guideline → fail errno 112. Every event carries its own
 * `resolve`, answering only "触发当前 onNeedPrivacyAuthorization 事件的原隐私接口或组件"
 * (api/open-api/privacy/wx.onNeedPrivacyAuthorization), so `requests` keeps
 * each one's answers apart: a test can see one left unanswered or answered twice.
 * An `agree` naming a button the user did not tap throws: "为确保用户有同意的操作，
 * 基础库会检查对应的同意按钮是否被点击过" (same page), so the API would not continue.
 */
import type { PrivacyResolution, PrivacySetting, UiPort, WxErrnoFailure } from '../services/ui';

export class FakeUi implements UiPort {
  agreed = false;
  /** False: the operator did not declare the item in 用户隐私保护指引. */
  declared = true;
  contractName = '《wxlink 隐私保护指引》';
  /** What the next wx.showModal answers (true = confirm). */
  modalAnswer = true;
  readonly modals: Array<{ title: string; content: string }> = [];
  /** One entry per onNeedPrivacyAuthorization event, with what its own `resolve` was told. */
  readonly requests: Array<{ referrer: string; resolutions: PrivacyResolution[] }> = [];
  openContractCalls = 0;
  listenerCount = 0;
  /** Ids of the agree buttons (open-type="agreePrivacyAuthorization") the user tapped. */
  private readonly tappedAgreeButtons = new Set<string>();
  private listener:
    ((resolve: (r: PrivacyResolution) => void, info: { referrer?: string }) => void) | null = null;

  onNeedPrivacyAuthorization(
    listener: (resolve: (r: PrivacyResolution) => void, info: { referrer?: string }) => void,
  ): void {
    this.listenerCount++;
    this.listener = listener;
  }

  requirePrivacyAuthorize(options: { success: () => void; fail: (err: WxErrnoFailure) => void }) {
    this.ask('requirePrivacyAuthorize', options.success, options.fail);
  }

  /**
   * The user taps `<button id=… open-type="agreePrivacyAuthorization">`: the
   * base library records it before bindagreeprivacyauthorization fires.
   */
  tapAgreeButton(id: string): void {
    this.tappedAgreeButtons.add(id);
  }

  /** What a privacy component (phone button, nickname input) does on use. */
  ask(referrer: string, success: () => void, fail: (err: WxErrnoFailure) => void): void {
    if (!this.declared) {
      fail({
        errMsg: `${referrer}:fail api scope is not declared in the privacy agreement`,
        errno: 112,
      });
      return;
    }
    if (this.agreed) {
      setTimeout(success, 0);
      return;
    }
    if (!this.listener) {
      fail({ errMsg: `${referrer}:fail privacy permission is not authorized`, errno: 104 });
      return;
    }
    const request = { referrer, resolutions: [] as PrivacyResolution[] };
    this.requests.push(request);
    this.listener(
      (r) => {
        if (r.event === 'agree' && !this.tappedAgreeButtons.has(r.buttonId ?? '')) {
          throw new Error(
            `resolve({event: 'agree'}) names agree button "${r.buttonId ?? ''}", which was not tapped`,
          );
        }
        request.resolutions.push(r);
        if (r.event === 'agree') {
          this.agreed = true;
          setTimeout(success, 0);
        } else if (r.event === 'disagree') {
          setTimeout(
            () =>
              fail({ errMsg: `${referrer}:fail privacy permission is not authorized`, errno: 104 }),
            0,
          );
        }
      },
      { referrer },
    );
  }

  /** Every `resolve` call, in order, across requests. */
  get resolutions(): PrivacyResolution[] {
    return this.requests.flatMap((r) => r.resolutions);
  }

  getPrivacySetting(options: {
    success: (res: PrivacySetting) => void;
    fail: (err: WxErrnoFailure) => void;
  }) {
    setTimeout(
      () =>
        options.success({
          needAuthorization: !this.agreed,
          privacyContractName: this.contractName,
        }),
      0,
    );
  }

  openPrivacyContract(options: { success: () => void; fail: (err: WxErrnoFailure) => void }) {
    this.openContractCalls++;
    setTimeout(options.success, 0);
  }

  showModal(options: {
    title: string;
    content: string;
    success: (res: { confirm: boolean; cancel: boolean }) => void;
  }): void {
    this.modals.push({ title: options.title, content: options.content });
    const confirm = this.modalAnswer;
    setTimeout(() => options.success({ confirm, cancel: !confirm }), 0);
  }
}
