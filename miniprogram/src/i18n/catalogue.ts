import type { ErrorCode, SubscriptionStatus } from '@wxlink/contracts';

/**
 * Every sentence the user can read, for one language. Pages, components and
 * view-models take their text from here only; a language is one object of
 * this shape (zh_CN.ts, en.ts), so a missing string is a type error.
 */
export interface Catalogue {
  state: { loading: string; signedOut: string; refreshing: string; blocked: string };
  action: {
    login: string;
    retry: string;
    authorize: string;
    chooseAvatar: string;
    saveProfile: string;
    linkPhone: string;
    logout: string;
    deleteAccount: string;
  };
  section: { wechatProfile: string; avatarNickname: string; phone: string; follow: string };
  nicknamePlaceholder: string;
  /** Shown while the nickname input waits for the user to agree to the privacy guideline. */
  nicknameLocked: string;
  notice: {
    profileAuthorized: string;
    authorizeCancelled: string;
    retap: string;
    profileSaved: string;
    nothingToSave: string;
    nicknameRejected: string;
    phoneLinked: string;
    phoneDeclined: string;
    phoneQuota: string;
    phoneFailed: string;
    loggedOut: string;
    loggedOutLocally: string;
    accountDeleted: string;
  };
  /** errno 104 / 112 from a privacy API or component (see services/privacy.ts). */
  privacy: {
    refused: string;
    undeclared: string;
    popupTitle: string;
    popupBody: (contractName: string) => string;
    defaultContractName: string;
    read: string;
    agree: string;
    disagree: string;
  };
  deleteConfirm: { title: string; content: string; confirm: string; cancel: string };
  error: {
    timeout: string;
    unreachable: string;
    wxLogin: string;
    loginFailed: (why: string) => string;
    requestInvalid: string;
    responseInvalid: string;
    unknown: string;
    server: (code: string) => string;
    withRef: (text: string, ref: string) => string;
    api: Readonly<Partial<Record<ErrorCode, string>>>;
  };
  profile: {
    /** The seed's name for a user without a nickname. */
    noNickname: string;
    phone: (masked: string) => string;
    noPhone: string;
    firstVisit: string;
    visits: (n: number) => string;
    emptyHint: string;
  };
  subscription: {
    label: Readonly<Record<SubscriptionStatus, string>>;
    hint: Readonly<Record<SubscriptionStatus, string>>;
    /** Used when the server did not say the account's name. */
    unnamedAccount: string;
    /** Instructions where `<official-account>` cannot show (wrong scene, not configured…). */
    followByName: (accountName: string) => string;
    followByQr: string;
  };
}
