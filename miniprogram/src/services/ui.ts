/**
 * The slice of `wx` that pages use besides the session kit: the privacy
 * APIs and the confirmation dialog. Every member is optional where WeChat's
 * base library may lack it (the privacy APIs arrived in 2.32.3). Tests
 * install a scripted port with configureUi(); the app uses the real `wx`.
 */
export interface WxErrnoFailure {
  errMsg: string;
  errno?: number;
}

/** What `resolve` of wx.onNeedPrivacyAuthorization takes. */
export type PrivacyResolution =
  { event: 'exposureAuthorization' } | { event: 'agree'; buttonId: string } | { event: 'disagree' };

export interface PrivacySetting {
  needAuthorization: boolean;
  privacyContractName: string;
}

export interface UiPort {
  onNeedPrivacyAuthorization?(
    listener: (resolve: (r: PrivacyResolution) => void, info: { referrer?: string }) => void,
  ): void;
  requirePrivacyAuthorize?(options: {
    success: () => void;
    fail: (err: WxErrnoFailure) => void;
  }): void;
  getPrivacySetting?(options: {
    success: (res: PrivacySetting) => void;
    fail: (err: WxErrnoFailure) => void;
  }): void;
  openPrivacyContract?(options: { success: () => void; fail: (err: WxErrnoFailure) => void }): void;
  showModal(options: {
    title: string;
    content: string;
    confirmText: string;
    cancelText: string;
    confirmColor?: string;
    success: (res: { confirm: boolean; cancel: boolean }) => void;
    fail: (err: WxErrnoFailure) => void;
  }): void;
}

let current: UiPort | null = null;

/** Replaces the port (tests); null goes back to the global `wx`. */
export function configureUi(port: UiPort | null): void {
  current = port;
}

/** The configured port, or the real `wx`. */
export function ui(): UiPort {
  return current ?? (wx as unknown as UiPort);
}

/** wx.showModal as a promise: true only when the user tapped confirm. */
export function confirmDialog(texts: {
  title: string;
  content: string;
  confirm: string;
  cancel: string;
}): Promise<boolean> {
  return new Promise((resolve) => {
    ui().showModal({
      title: texts.title,
      content: texts.content,
      confirmText: texts.confirm,
      cancelText: texts.cancel,
      confirmColor: '#fa5151',
      success: (res) => resolve(res.confirm),
      fail: () => resolve(false),
    });
  });
}
