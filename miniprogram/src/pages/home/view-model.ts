import type { ProfileAuthorizationRequest, SubscriptionStatus, UserView } from '@wxlink/contracts';

/**
 * Everything the home template shows, computed here so the WXML holds no
 * logic (only `wx:if` on booleans and `{{field}}`).
 */
export type Phase = 'loading' | 'ready' | 'error' | 'signedOut';
export type NoticeTone = 'info' | 'success' | 'error';

export interface UserFields {
  nickname: string;
  avatarUrl: string;
  phone: string;
  loginCount: number;
  subscriptionStatus: SubscriptionStatus;
}

export interface DraftFields {
  draftNickname: string;
  draftAvatarPath: string;
  hasDraftAvatar: boolean;
}

export interface HomeData
  extends UserFields, DraftFields, ReturnType<typeof phaseFields>, NoticeFields {
  errorText: string;
  refreshing: boolean;
  authorizeBusy: boolean;
  saveBusy: boolean;
  phoneBusy: boolean;
  logoutBusy: boolean;
  /** True while nothing is drafted or a save is running. */
  saveDisabled: boolean;
}

export interface NoticeFields {
  hasNotice: boolean;
  noticeText: string;
  noticeTone: NoticeTone;
}

export function phaseFields(phase: Phase) {
  return {
    phase,
    isLoading: phase === 'loading',
    isReady: phase === 'ready',
    isError: phase === 'error',
    isSignedOut: phase === 'signedOut',
  };
}

export const NO_USER: UserFields = {
  nickname: '',
  avatarUrl: '',
  phone: '',
  loginCount: 0,
  subscriptionStatus: 'unknown',
};

/** `absolute` turns the server's `/api/v1/avatars/…` paths into URLs `<image>` can load. */
export function userFields(user: UserView, absolute: (pathOrUrl: string) => string): UserFields {
  return {
    nickname: user.nickname ?? '',
    avatarUrl: user.avatarUrl ? absolute(user.avatarUrl) : '',
    phone: user.phone ?? '',
    loginCount: user.loginCount,
    subscriptionStatus: user.subscription.status,
  };
}

export function draftFields(draftNickname: string, draftAvatarPath: string): DraftFields {
  return { draftNickname, draftAvatarPath, hasDraftAvatar: draftAvatarPath !== '' };
}

export function canSave(d: { draftNickname: string; draftAvatarPath: string; saveBusy: boolean }) {
  return !d.saveBusy && (d.draftNickname.trim() !== '' || d.draftAvatarPath !== '');
}

export function notice(tone: NoticeTone, text: string): NoticeFields {
  return { hasNotice: true, noticeText: text, noticeTone: tone };
}

export const NO_NOTICE: NoticeFields = { hasNotice: false, noticeText: '', noticeTone: 'info' };

export function initialHomeData(): HomeData {
  return {
    ...phaseFields('loading'),
    ...NO_USER,
    ...draftFields('', ''),
    ...NO_NOTICE,
    errorText: '',
    refreshing: false,
    authorizeBusy: false,
    saveBusy: false,
    phoneBusy: false,
    logoutBusy: false,
    saveDisabled: true,
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

/** The getPhoneNumber button's one-time `code`, absent when the user declined. */
export function phoneCode(detail: unknown): string | null {
  if (typeof detail !== 'object' || detail === null) return null;
  const code = (detail as Record<string, unknown>).code;
  return typeof code === 'string' && code !== '' ? code : null;
}

/** chooseAvatar's temp file path. */
export function chosenAvatar(detail: unknown): string | null {
  if (typeof detail !== 'object' || detail === null) return null;
  const url = (detail as Record<string, unknown>).avatarUrl;
  return typeof url === 'string' && url !== '' ? url : null;
}

/** The nickname input's value (input, blur and change events all carry `value`). */
export function inputValue(detail: unknown): string {
  if (typeof detail !== 'object' || detail === null) return '';
  const value = (detail as Record<string, unknown>).value;
  return typeof value === 'string' ? value : '';
}
