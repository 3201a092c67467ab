import type { ProfileAuthorizationRequest, UserView } from '@wxlink/contracts';
import type { Catalogue } from '../../i18n/index';
import { privacyFailure } from '../../services/privacy';
import type { PrivacyFailure } from '../../services/privacy';
import type { FollowAccount } from '../../components/follow-panel/display';

/**
 * Everything the home template shows, computed here so the WXML holds no
 * logic (only `wx:if` on booleans and `{{field}}`).
 */
export type Phase = 'loading' | 'ready' | 'error' | 'signedOut' | 'blocked';
export type NoticeTone = 'info' | 'success' | 'error';

export interface UserFields {
  nickname: string;
  avatarUrl: string;
  phone: string;
  loginCount: number;
  /** One entry per official account, primary first (for `<follow-panel>`). */
  accounts: FollowAccount[];
}

export interface NoticeFields {
  hasNotice: boolean;
  noticeText: string;
  noticeTone: NoticeTone;
}

/** The page's fixed labels, from the active catalogue. */
export function pageText(m: Catalogue) {
  return { ...m.state, ...m.action, ...m.section };
}

export interface HomeData extends UserFields, ReturnType<typeof phaseFields>, NoticeFields {
  text: ReturnType<typeof pageText>;
  errorText: string;
  refreshing: boolean;
  authorizeBusy: boolean;
  phoneBusy: boolean;
  logoutBusy: boolean;
  deleteBusy: boolean;
}

export function phaseFields(phase: Phase) {
  return {
    phase,
    isLoading: phase === 'loading',
    isReady: phase === 'ready',
    isError: phase === 'error',
    isSignedOut: phase === 'signedOut',
    isBlocked: phase === 'blocked',
  };
}

export const NO_USER: UserFields = {
  nickname: '',
  avatarUrl: '',
  phone: '',
  loginCount: 0,
  accounts: [],
};

function accountOf(s: FollowAccount): FollowAccount {
  return {
    officialAccountAppid: s.officialAccountAppid,
    status: s.status,
    ...(s.accountName ? { accountName: s.accountName } : {}),
    ...(s.qrCodeUrl ? { qrCodeUrl: s.qrCodeUrl } : {}),
  };
}

/** `absolute` turns the server's `/api/v1/avatars/…` paths into URLs `<image>` can load. */
export function userFields(
  user: UserView,
  absolute: (pathOrUrl: string) => string,
  subscriptions: FollowAccount[] = [user.subscription],
): UserFields {
  return {
    nickname: user.nickname ?? '',
    avatarUrl: user.avatarUrl ? absolute(user.avatarUrl) : '',
    phone: user.phone ?? '',
    loginCount: user.loginCount,
    accounts: subscriptions.map(accountOf),
  };
}

export function notice(tone: NoticeTone, text: string): NoticeFields {
  return { hasNotice: true, noticeText: text, noticeTone: tone };
}

export const NO_NOTICE: NoticeFields = { hasNotice: false, noticeText: '', noticeTone: 'info' };

export function initialHomeData(m: Catalogue): HomeData {
  return {
    ...phaseFields('loading'),
    ...NO_USER,
    ...NO_NOTICE,
    text: pageText(m),
    errorText: '',
    refreshing: false,
    authorizeBusy: false,
    phoneBusy: false,
    logoutBusy: false,
    deleteBusy: false,
  };
}

/**
 * The four fields of the getUserInfo button's detail, when the user allowed
 * it. A denied or broken tap carries only `errMsg`; nothing to send then.
 */
export function userInfoDetail(detail: unknown): ProfileAuthorizationRequest | null {
  if (typeof detail !== 'object' || detail === null) return null;
  const d = detail as Record<string, unknown>;
  const fields = [d.rawData, d.signature, d.encryptedData, d.iv];
  if (!fields.every((f): f is string => typeof f === 'string' && f !== '')) return null;
  const [rawData, signature, encryptedData, iv] = fields as [string, string, string, string];
  return { rawData, signature, encryptedData, iv };
}

/** What one tap on the getPhoneNumber button came to. */
export type PhoneOutcome =
  | { kind: 'code'; code: string }
  | { kind: 'quota' }
  | { kind: 'declined' }
  | { kind: 'privacy'; failure: PrivacyFailure }
  | { kind: 'failed' };

/**
 * The button's detail. Only a one-time `code` ever reaches the server.
 * errno 1400001: "若查询额度不足，开发者将收到错误码 e.detail.errno===1400001"
 * (framework/open-ability/getPhoneNumber, 手机号快速验证组件); WeChat charges
 * "每次组件调用成功", so the quota is spent by successes only and a refusal
 * costs nothing. Privacy errnos 104/112 come from services/privacy.
 */
export function phoneOutcome(detail: unknown): PhoneOutcome {
  if (typeof detail !== 'object' || detail === null) return { kind: 'failed' };
  const d = detail as { code?: unknown; errno?: unknown; errMsg?: unknown };
  if (typeof d.code === 'string' && d.code !== '') return { kind: 'code', code: d.code };
  if (d.errno === 1400001) return { kind: 'quota' };
  const privacy = privacyFailure(d);
  if (privacy) return { kind: 'privacy', failure: privacy };
  const msg = typeof d.errMsg === 'string' ? d.errMsg : '';
  // "getPhoneNumber:fail user deny" (older clients: "fail:user deny"), or a cancelled sheet.
  if (/deny|cancel/i.test(msg)) return { kind: 'declined' };
  return { kind: 'failed' };
}
