import {
  ApiError,
  LoginError,
  NetworkError,
  RequestInvalidError,
  ResponseInvalidError,
} from '../../services/errors';
import { makeUser } from '../../test-support/fixtures';
import { describeError } from './messages';
import {
  canSave,
  chosenAvatar,
  inputValue,
  phaseFields,
  phoneCode,
  userFields,
  userInfoDetail,
} from './view-model';

describe('view-model', () => {
  it('derives exactly one phase flag', () => {
    for (const phase of ['loading', 'ready', 'error', 'signedOut'] as const) {
      const f = phaseFields(phase);
      expect([f.isLoading, f.isReady, f.isError, f.isSignedOut].filter(Boolean)).toHaveLength(1);
    }
  });

  it('maps a user to display fields, resolving server avatar paths', () => {
    const user = makeUser({
      nickname: 'Mia',
      avatarUrl: '/api/v1/avatars/a.png',
      phone: '138****8000',
    });
    expect(userFields(user, (p) => `http://h${p}`)).toEqual({
      nickname: 'Mia',
      avatarUrl: 'http://h/api/v1/avatars/a.png',
      phone: '138****8000',
      loginCount: 1,
      subscriptionStatus: 'unknown',
    });
    expect(userFields(makeUser(), (p) => p)).toMatchObject({
      nickname: '',
      avatarUrl: '',
      phone: '',
    });
  });

  it('extracts button details and rejects partial ones', () => {
    expect(userInfoDetail({ errMsg: 'getUserInfo:fail auth deny' })).toBeNull();
    expect(
      userInfoDetail({ rawData: '{}', signature: 's', encryptedData: 'e', iv: '' }),
    ).toBeNull();
    expect(userInfoDetail(null)).toBeNull();
    expect(
      userInfoDetail({ rawData: '{}', signature: 's', encryptedData: 'e', iv: 'i', x: 1 }),
    ).toEqual({
      rawData: '{}',
      signature: 's',
      encryptedData: 'e',
      iv: 'i',
    });
    expect(phoneCode({ code: 'c' })).toBe('c');
    expect(phoneCode({ errMsg: 'getPhoneNumber:fail user deny' })).toBeNull();
    expect(chosenAvatar({ avatarUrl: 'wxfile://a' })).toBe('wxfile://a');
    expect(chosenAvatar({})).toBeNull();
    expect(inputValue({ value: 'x' })).toBe('x');
    expect(inputValue(undefined)).toBe('');
  });

  it('allows saving only with a draft and no save running', () => {
    expect(canSave({ draftNickname: ' ', draftAvatarPath: '', saveBusy: false })).toBe(false);
    expect(canSave({ draftNickname: 'a', draftAvatarPath: '', saveBusy: false })).toBe(true);
    expect(canSave({ draftNickname: '', draftAvatarPath: 'p', saveBusy: true })).toBe(false);
  });
});

describe('describeError', () => {
  it('words each failure kind for the user', () => {
    expect(describeError(new NetworkError('TIMEOUT', 'request:fail timeout'))).toMatch(
      /did not answer in time/,
    );
    expect(describeError(new NetworkError('NETWORK_ERROR', 'x'))).toMatch(
      /Cannot reach the server/,
    );
    expect(describeError(new ApiError('RATE_LIMITED', 429, 'slow down'))).toBe(
      'Too many attempts. Wait a moment and try again.',
    );
    expect(describeError(new ApiError('INTERNAL', 500, 'boom', 'r-1'))).toBe(
      'Server error (INTERNAL). [ref r-1]',
    );
    expect(
      describeError(new LoginError('createSession', new ApiError('WECHAT_USER_BLOCKED', 403, ''))),
    ).toBe('Login failed: This WeChat account cannot log in.');
    expect(describeError(new RequestInvalidError('updateProfile', 'x'))).toMatch(
      /check what you entered/,
    );
    expect(describeError(new ResponseInvalidError('getMe', 200, 'x'))).toMatch(/unexpected answer/);
    expect(describeError(new TypeError('x'))).toBe('Something went wrong. Try again.');
  });
});
