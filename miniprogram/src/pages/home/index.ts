import { messages } from '../../i18n/index';
import { describeError, describePrivacy, isAccountBlocked } from '../../i18n/describe';
import { getClient } from '../../services/index';
import { confirmDialog } from '../../services/ui';
import {
  NO_NOTICE,
  NO_USER,
  initialHomeData,
  notice,
  phaseFields,
  phoneOutcome,
  userFields,
  userInfoDetail,
} from './view-model';
import type { NoticeTone } from './view-model';
import type { UserView } from '@wxlink/contracts';
import type { FollowAccount } from '../../components/follow-panel/display';

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
  data: initialHomeData(messages()),

  methods: {
    /**
     * Every show refreshes, so following the account elsewhere and coming
     * back updates the badge. Signed out, or blocked by an operator, it stays.
     */
    onShow() {
      if (!this.data.isSignedOut && !this.data.isBlocked) void this.refresh();
    },

    onPullDownRefresh() {
      if (this.data.isSignedOut || this.data.isBlocked) {
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

    /** Loads the user (logging in when needed) and their accounts; never throws. */
    async refresh(): Promise<void> {
      const seq = ++refreshSeq;
      const hadData = this.data.isReady;
      this.setData(hadData ? { refreshing: true } : { ...phaseFields('loading'), errorText: '' });
      try {
        const client = getClient();
        const user = await client.ensureSession();
        const subscriptions = await client.subscriptions(user);
        if (seq !== refreshSeq) return;
        this.showUser(user, subscriptions);
        this.setData({ ...phaseFields('ready'), refreshing: false, errorText: '' });
      } catch (err) {
        if (seq !== refreshSeq) return;
        this.showFailure(err, hadData);
      }
    },

    showFailure(err: unknown, hadData: boolean) {
      if (isAccountBlocked(err)) {
        // An operator decision: no retry button, no automatic retry on show.
        this.setData({ ...phaseFields('blocked'), ...NO_USER, refreshing: false, ...NO_NOTICE });
      } else if (hadData) {
        // Keep what is on screen; say the refresh failed.
        this.setData({ refreshing: false, ...notice('error', describeError(err)) });
      } else {
        this.setData({ ...phaseFields('error'), refreshing: false, errorText: describeError(err) });
      }
    },

    showUser(user: UserView, subscriptions?: FollowAccount[]) {
      const client = getClient();
      const known = subscriptions ?? this.knownSubscriptions(user);
      this.setData(userFields(user, (p) => client.absoluteUrl(p), known));
    },

    /** After a profile change the user view's own subscription is fresher for the primary account. */
    knownSubscriptions(user: UserView): FollowAccount[] {
      const rest = this.data.accounts.slice(1);
      return [user.subscription, ...rest];
    },

    say(tone: NoticeTone, text: string) {
      this.setData(notice(tone, text));
    },

    onChildNotice(e: WechatMiniprogram.CustomEvent<{ tone: NoticeTone; text: string }>) {
      this.say(e.detail.tone, e.detail.text);
    },

    onProfileSaved(e: WechatMiniprogram.CustomEvent<{ user: UserView }>) {
      this.showUser(e.detail.user);
    },

    async onGetUserInfo(e: WechatMiniprogram.CustomEvent) {
      if (this.data.authorizeBusy) return;
      const m = messages();
      const detail = userInfoDetail(e.detail);
      if (!detail) return this.say('info', m.notice.authorizeCancelled);
      this.setData({ authorizeBusy: true, ...NO_NOTICE });
      try {
        const result = await getClient().authorizeProfile(detail);
        if (result.kind === 'retap') {
          // The kit already logged in again and retried once by itself; one
          // more tap by the user yields data sealed under the new key.
          this.say('info', m.notice.retap);
        } else {
          this.showUser(result.user);
          this.say('success', m.notice.profileAuthorized);
        }
      } catch (err) {
        this.say('error', describeError(err));
      } finally {
        this.setData({ authorizeBusy: false });
      }
    },

    async onGetPhoneNumber(e: WechatMiniprogram.CustomEvent) {
      if (this.data.phoneBusy) return;
      const m = messages();
      const outcome = phoneOutcome(e.detail);
      if (outcome.kind === 'quota') return this.say('error', m.notice.phoneQuota);
      if (outcome.kind === 'declined') return this.say('info', m.notice.phoneDeclined);
      if (outcome.kind === 'privacy') return this.say('error', describePrivacy(outcome.failure));
      if (outcome.kind === 'failed') return this.say('error', m.notice.phoneFailed);
      this.setData({ phoneBusy: true, ...NO_NOTICE });
      try {
        this.showUser(await getClient().bindPhone(outcome.code));
        this.say('success', m.notice.phoneLinked);
      } catch (err) {
        this.say('error', describeError(err));
      } finally {
        this.setData({ phoneBusy: false });
      }
    },

    showSignedOut(text: string) {
      this.setData({
        ...phaseFields('signedOut'),
        ...NO_USER,
        logoutBusy: false,
        deleteBusy: false,
        refreshing: false,
        ...notice('info', text),
      });
    },

    async onLogout() {
      if (this.data.logoutBusy) return;
      this.setData({ logoutBusy: true, ...NO_NOTICE });
      // Drop any refresh still in flight: its answer belongs to the old session.
      refreshSeq++;
      const { revokedOnServer } = await getClient().logout();
      const m = messages();
      this.showSignedOut(revokedOnServer ? m.notice.loggedOut : m.notice.loggedOutLocally);
    },

    /** 注销账号, only after the user confirms in wx.showModal. */
    async onDeleteAccount() {
      if (this.data.deleteBusy) return;
      const m = messages();
      if (!(await confirmDialog(m.deleteConfirm))) return;
      this.setData({ deleteBusy: true, ...NO_NOTICE });
      refreshSeq++;
      try {
        await getClient().deleteAccount();
        this.showSignedOut(m.notice.accountDeleted);
      } catch (err) {
        this.setData({ deleteBusy: false, ...notice('error', describeError(err)) });
      }
    },
  },
});
