import { messages } from '../../i18n/index';
import { getClient } from '../../services/index';
import { PrivacyError, privacySetting, requirePrivacyAuthorization } from '../../services/privacy';
import { describeError, describePrivacy } from '../../i18n/describe';
import { chosenAvatar, reviewOf, submission, submittedNickname } from './submission';
import type { NicknameReview } from './submission';

/**
 * `<profile-editor bind:saved bind:notice />`: chooseAvatar + nickname,
 * saved on form submit.
 *
 * WeChat reviews the nickname after the input blurs: "在onBlur事件触发时，微信将
 * 异步对用户输入的内容进行安全监测，若未通过安全监测，微信将清空用户输入的内容，建议开发者通过
 * form中form-type为submit的button组件收集用户输入的内容" (framework/open-ability/
 * userProfile). So the nickname is read from the submit event only (never
 * bindinput/bindblur), and a failed bindnicknamereview blocks it.
 *
 * Before the nickname input can take focus the user must have agreed to the
 * privacy guideline: without it "input type=\"nickname\" 会自动降级为 input
 * type=\"text\"" and cannot raise the popup itself. The input stays disabled
 * under a tap target that calls wx.requirePrivacyAuthorize first.
 */
Component({
  data: {
    draftAvatarPath: '',
    hasDraftAvatar: false,
    nicknameLocked: true,
    nicknameFocus: false,
    review: 'none' as NicknameReview,
    saveBusy: false,
    chooseAvatarText: messages().action.chooseAvatar,
    placeholder: messages().nicknamePlaceholder,
    lockedText: messages().nicknameLocked,
    saveText: messages().action.saveProfile,
  },

  lifetimes: {
    attached() {
      void privacySetting().then((s) => this.setData({ nicknameLocked: s.needAuthorization }));
    },
  },

  methods: {
    notify(tone: 'info' | 'success' | 'error', text: string) {
      this.triggerEvent('notice', { tone, text });
    },

    onChooseAvatar(e: WechatMiniprogram.CustomEvent) {
      const path = chosenAvatar(e.detail);
      if (path) this.setData({ draftAvatarPath: path, hasDraftAvatar: true });
    },

    async onUnlockNickname() {
      try {
        await requirePrivacyAuthorization();
        this.setData({ nicknameLocked: false, nicknameFocus: true });
      } catch (err) {
        const text =
          err instanceof PrivacyError ? describePrivacy(err.failure) : describeError(err);
        this.notify('error', text);
      }
    },

    onNicknameReview(e: WechatMiniprogram.CustomEvent) {
      const review = reviewOf(e.detail);
      this.setData({ review });
      if (review === 'fail') this.notify('error', messages().notice.nicknameRejected);
    },

    async onSubmit(e: WechatMiniprogram.CustomEvent) {
      if (this.data.saveBusy) return;
      const m = messages();
      const plan = submission(
        submittedNickname(e.detail),
        this.data.draftAvatarPath,
        this.data.review,
      );
      if (plan.kind === 'rejected') return this.notify('error', m.notice.nicknameRejected);
      if (plan.kind === 'nothing') return this.notify('info', m.notice.nothingToSave);
      this.setData({ saveBusy: true });
      try {
        const user = await getClient().updateProfile(plan.changes);
        this.setData({ draftAvatarPath: '', hasDraftAvatar: false, review: 'none' });
        this.triggerEvent('saved', { user });
        this.notify('success', m.notice.profileSaved);
      } catch (err) {
        this.notify('error', describeError(err));
      } finally {
        this.setData({ saveBusy: false });
      }
    },
  },
});
