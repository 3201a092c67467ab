import type { Catalogue } from './catalogue';

/** English, for users whose WeChat language is English. */
export const en: Catalogue = {
  state: {
    loading: 'Logging in…',
    signedOut: 'You are not logged in.',
    refreshing: 'Refreshing…',
    blocked:
      'This account has been suspended and cannot use the service. Contact support if you think this is a mistake.',
  },
  action: {
    login: 'Log in',
    retry: 'Retry',
    authorize: 'Authorize profile',
    chooseAvatar: 'Choose avatar',
    saveProfile: 'Save profile',
    linkPhone: 'Link phone number',
    logout: 'Log out',
    deleteAccount: 'Delete account',
  },
  section: {
    wechatProfile: 'WeChat profile',
    avatarNickname: 'Avatar and nickname',
    phone: 'Phone number',
    follow: 'Official account',
  },
  nicknamePlaceholder: 'Your nickname',
  nicknameLocked: 'Tap to enter a nickname (agree to the privacy guideline first)',
  notice: {
    profileAuthorized: 'Profile authorized.',
    authorizeCancelled: 'Profile authorization was cancelled.',
    retap:
      'WeChat refreshed your login and the profile could not be confirmed. Tap “Authorize profile” again.',
    profileSaved: 'Profile saved.',
    nothingToSave: 'Choose an avatar or enter a nickname first.',
    nicknameRejected: 'WeChat’s review rejected that nickname. Choose another one.',
    phoneLinked: 'Phone number linked.',
    phoneDeclined: 'Phone number was not shared.',
    phoneQuota: 'Phone number verification has run out of quota. Try later or contact support.',
    phoneFailed: 'The phone number could not be read. Try again later.',
    loggedOut: 'You are logged out.',
    loggedOutLocally:
      'You are logged out on this device. The server was not reachable; the old session expires on its own.',
    accountDeleted: 'Your account and its data have been deleted.',
  },
  privacy: {
    refused:
      'You have not agreed to the privacy guideline, so this feature is unavailable. Try again in a moment and tap “Agree”.',
    undeclared:
      'This feature is not declared in the mini-program’s privacy guideline yet. Contact the operator.',
    popupTitle: 'Privacy',
    popupBody: (name) =>
      `Before using your avatar, nickname or phone number, read and agree to ${name}.`,
    defaultContractName: 'the privacy guideline',
    read: 'Read the guideline',
    agree: 'Agree',
    disagree: 'Decline',
  },
  deleteConfirm: {
    title: 'Delete account',
    content:
      'Your profile, avatar, phone number and login history will be erased for good. Delete the account?',
    confirm: 'Delete',
    cancel: 'Cancel',
  },
  error: {
    timeout: 'The server did not answer in time. Check your connection and retry.',
    unreachable: 'Cannot reach the server. Check your connection and retry.',
    wxLogin: 'WeChat login failed. Check your connection and retry.',
    loginFailed: (why) => `Login failed: ${why}`,
    requestInvalid: 'Please check what you entered.',
    responseInvalid: 'The server sent an unexpected answer. Try again later.',
    unknown: 'Something went wrong. Try again.',
    server: (code) => `Server error (${code}).`,
    withRef: (text, ref) => `${text} [ref ${ref}]`,
    api: {
      VALIDATION_FAILED: 'Please check what you entered.',
      PAYLOAD_TOO_LARGE: 'That image is too large. Choose a smaller one.',
      RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
      SESSION_INVALID: 'Your session ended. Pull down to log in again.',
      ACCOUNT_BLOCKED:
        'This account has been suspended and cannot use the service. Contact support if you think this is a mistake.',
      WECHAT_CODE_INVALID: 'The WeChat code expired. Tap the button again.',
      WECHAT_USER_BLOCKED: 'This WeChat account cannot log in.',
      WECHAT_QUOTA_EXHAUSTED: 'Phone number lookup is unavailable right now. Try later.',
      WECHAT_UNAVAILABLE: 'WeChat is not answering. Try again shortly.',
      SIGNATURE_INVALID: 'WeChat data could not be verified. Tap the button again.',
      USER_DATA_INVALID: 'WeChat data could not be read. Tap the button again.',
      USER_DATA_EXPIRED: 'That authorization is too old. Tap the button again.',
      SERVICE_UNAVAILABLE: 'The service is busy. Try again shortly.',
    },
  },
  profile: {
    noNickname: 'WeChat user',
    phone: (masked) => `Phone ${masked}`,
    noPhone: 'No phone number linked',
    firstVisit: 'First visit',
    visits: (n) => `Visits: ${n}`,
    emptyHint: 'Choose an avatar and a nickname below, or authorize your WeChat profile.',
  },
  subscription: {
    label: {
      subscribed: 'Following the official account',
      unsubscribed: 'Unfollowed the official account',
      never: 'Not following the official account',
      unknown: 'Official account status unknown',
    },
    hint: {
      subscribed: '',
      unsubscribed: 'Follow it again to get our messages.',
      never: 'Follow the official account to get our messages.',
      unknown: 'Tap “Authorize profile” so we can link your WeChat account.',
    },
    unnamedAccount: 'our official account',
    followByName: (name) => `In WeChat, search for the official account “${name}” and follow it.`,
    followByQr: 'Or long-press the QR code below to follow.',
  },
};
