import { getClient } from '../../services/index';
import { RETAP_NOTICE, describeError } from './messages';
import {
  NO_NOTICE,
  NO_USER,
  canSave,
  chosenAvatar,
  draftFields,
  initialHomeData,
  inputValue,
  notice,
  phaseFields,
  phoneCode,
  userFields,
  userInfoDetail,
} from './view-model';
import type { UserView } from '@wxlink/contracts';

/**
 * Home: login state, profile, official-account status, and the WeChat
 * capability buttons. Built with Component() (valid for pages) so the same
 * code runs in WeChat and under miniprogram-simulate.
 */

// Each refresh takes a number; an answer that arrives after a newer refresh
// started is dropped, so a slow response never overwrites fresher data.
let refreshSeq = 0;

function stopPullDown(): void {
  if (typeof wx !== 'undefined') void wx.stopPullDownRefresh();
}

Component({
  data: initialHomeData(),

  methods: {
    onShow() {
      // After an explicit logout the page stays signed out until the user taps "Log in".
      if (!this.data.isSignedOut) void this.refresh();
    },

    onPullDownRefresh() {
      if (this.data.isSignedOut) {
        stopPullDown();
        return;
      }
      void this.refresh().finally(stopPullDown);
    },

    onRetry() {
      void this.refresh();
    },

    onLogin() {
      this.setData({ ...phaseFields('loading'), ...NO_NOTICE });
      void this.refresh();
    },

    /** Loads the user (logging in when needed); never throws. */
    async refresh(): Promise<void> {
      const seq = ++refreshSeq;
      const hadData = this.data.isReady;
      this.setData(hadData ? { refreshing: true } : { ...phaseFields('loading'), errorText: '' });
      try {
        const user = await getClient().ensureSession();
        if (seq !== refreshSeq) return;
        this.showUser(user);
        this.setData({ ...phaseFields('ready'), refreshing: false, errorText: '' });
      } catch (err) {
        if (seq !== refreshSeq) return;
        if (hadData) {
          // Keep what is on screen; say the refresh failed.
          this.setData({ refreshing: false, ...notice('error', describeError(err)) });
        } else {
          this.setData({
            ...phaseFields('error'),
            refreshing: false,
            errorText: describeError(err),
          });
        }
      }
    },

    showUser(user: UserView) {
      const client = getClient();
      this.setData(userFields(user, (p) => client.absoluteUrl(p)));
    },

    async onGetUserInfo(e: WechatMiniprogram.CustomEvent) {
      if (this.data.authorizeBusy) return;
      const detail = userInfoDetail(e.detail);
      if (!detail) {
        this.setData(notice('info', 'Profile authorization was cancelled.'));
        return;
      }
      this.setData({ authorizeBusy: true, ...NO_NOTICE });
      try {
        const result = await getClient().authorizeProfile(detail);
        if (result.kind === 'retap') {
          // The kit already logged in again and retried once by itself; one
          // more tap by the user yields data sealed under the new key.
          this.setData(notice('info', RETAP_NOTICE));
        } else {
          this.showUser(result.user);
          this.setData(notice('success', 'Profile authorized.'));
        }
      } catch (err) {
        this.setData(notice('error', describeError(err)));
      } finally {
        this.setData({ authorizeBusy: false });
      }
    },

    onChooseAvatar(e: WechatMiniprogram.CustomEvent) {
      const path = chosenAvatar(e.detail);
      if (!path) return;
      this.updateDraft(this.data.draftNickname, path);
    },

    onNicknameInput(e: WechatMiniprogram.CustomEvent) {
      this.updateDraft(inputValue(e.detail), this.data.draftAvatarPath);
    },

    updateDraft(nickname: string, avatarPath: string) {
      this.setData({
        ...draftFields(nickname, avatarPath),
        saveDisabled: !canSave({
          draftNickname: nickname,
          draftAvatarPath: avatarPath,
          saveBusy: this.data.saveBusy,
        }),
      });
    },

    async onSaveProfile() {
      const { draftNickname, draftAvatarPath } = this.data;
      if (!canSave(this.data)) return;
      this.setData({ saveBusy: true, saveDisabled: true, ...NO_NOTICE });
      try {
        const user = await getClient().updateProfile({
          nickname: draftNickname,
          ...(draftAvatarPath ? { avatarFilePath: draftAvatarPath } : {}),
        });
        this.showUser(user);
        this.setData({ ...draftFields('', ''), ...notice('success', 'Profile saved.') });
      } catch (err) {
        this.setData(notice('error', describeError(err)));
      } finally {
        this.setData({ saveBusy: false });
        this.updateDraft(this.data.draftNickname, this.data.draftAvatarPath);
      }
    },

    async onGetPhoneNumber(e: WechatMiniprogram.CustomEvent) {
      if (this.data.phoneBusy) return;
      const code = phoneCode(e.detail);
      if (!code) {
        this.setData(notice('info', 'Phone number was not shared.'));
        return;
      }
      this.setData({ phoneBusy: true, ...NO_NOTICE });
      try {
        this.showUser(await getClient().bindPhone(code));
        this.setData(notice('success', 'Phone number linked.'));
      } catch (err) {
        this.setData(notice('error', describeError(err)));
      } finally {
        this.setData({ phoneBusy: false });
      }
    },

    async onLogout() {
      if (this.data.logoutBusy) return;
      this.setData({ logoutBusy: true, ...NO_NOTICE });
      // Drop any refresh still in flight: its answer belongs to the old session.
      refreshSeq++;
      const { revokedOnServer } = await getClient().logout();
      this.setData({
        ...phaseFields('signedOut'),
        ...NO_USER,
        ...draftFields('', ''),
        saveDisabled: true,
        logoutBusy: false,
        refreshing: false,
        ...notice(
          'info',
          revokedOnServer
            ? 'You are logged out.'
            : 'You are logged out on this device. The server was not reachable; the old session expires on its own.',
        ),
      });
    },
  },
});
