import { messages } from '../../i18n/index';
import {
  agreePrivacy,
  disagreePrivacy,
  onPrivacyRequest,
  openPrivacyContract,
  privacyPopupShown,
  privacySetting,
} from '../../services/privacy';
import { privacyPopupText } from './display';

/**
 * `<privacy-popup />`: WeChat's privacy consent, shown whenever a privacy
 * API or component asks (services/privacy.ts relays
 * wx.onNeedPrivacyAuthorization). Agreeing must go through
 * `<button open-type="agreePrivacyAuthorization">`: "基础库会检查对应的同意按钮是否
 * 被点击过" (api/open-api/privacy/wx.onNeedPrivacyAuthorization). One tap
 * answers every API waiting at that moment (services/privacy.ts keeps them all).
 */
Component({
  data: { visible: false, ...privacyPopupText(messages(), '') },

  lifetimes: {
    attached() {
      const self = this as unknown as { unsubscribe?: () => void };
      self.unsubscribe = onPrivacyRequest((request) => {
        this.setData({ visible: request !== null });
        if (request) privacyPopupShown();
      });
      void privacySetting().then((s) => {
        this.setData(privacyPopupText(messages(), s.privacyContractName));
      });
    },
    detached() {
      (this as unknown as { unsubscribe?: () => void }).unsubscribe?.();
    },
  },

  methods: {
    /** bindagreeprivacyauthorization: the tapped button's own id is the one WeChat checks. */
    onAgree(e: { currentTarget: { id: string } }) {
      agreePrivacy(e.currentTarget.id);
    },
    onDisagree() {
      disagreePrivacy();
    },
    onRead() {
      openPrivacyContract();
    },
  },
});
