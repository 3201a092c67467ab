import { followDisplay } from './display';
import type { FollowAccount } from './display';

/**
 * `<follow-panel accounts="{{…}}" />`: one status badge per official
 * account, and a way to follow the primary one when the user does not.
 *
 * WeChat's `<official-account>` only renders in some launch scenes ("小程序
 * 场景值命中以下值时，可展示关注公众号组件：1011 扫描二维码、1017 前往小程序体验版的入口页、
 * 1025 扫描一维码、1047 扫描小程序码、1124 扫“一物一码”打开小程序", plus hot starts
 * from 1001/1038/1041/1089/1090/1104/1131/1187 after such a cold start) and
 * "每个页面只能配置一个该组件" (component/official-account). Elsewhere it
 * reports `bind:error` (status 5 场景值错误, 3/4 not configured, …): the panel
 * then falls back to written instructions and the QR code, when configured.
 */
function view(accounts: unknown) {
  return followDisplay(Array.isArray(accounts) ? (accounts as FollowAccount[]) : []);
}

Component({
  properties: {
    accounts: { type: Array, value: [] },
  },
  data: { ...view([]), showComponent: false, showFallback: false, componentFailed: false },
  observers: {
    accounts(accounts: unknown) {
      this.apply(view(accounts));
    },
  },
  methods: {
    apply(display: ReturnType<typeof view>) {
      const failed = this.data.componentFailed;
      this.setData({
        ...display,
        showComponent: display.offerFollow && !failed,
        showFallback: display.offerFollow && failed,
      });
    },
    onOfficialAccountError() {
      this.setData({ componentFailed: true });
      this.apply(view(this.data.accounts));
    },
  },
});
