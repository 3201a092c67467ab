import { ERROR_CODES } from '../src/errors';
import {
  isAccessTokenInvalid,
  isRetryableWechatError,
  mapWechatErrcode,
} from '../src/wechat-errcodes';
import type { WechatApi } from '../src/wechat-errcodes';

const ALL_APIS: WechatApi[] = [
  'code2Session',
  'stableToken',
  'token',
  'userInfo',
  'userGet',
  'checkSession',
  'phoneNumber',
  'oauthAccessToken',
];

describe('mapWechatErrcode', () => {
  it.each<[WechatApi, number, string]>([
    // sns/jscode2session
    ['code2Session', 40029, 'WECHAT_CODE_INVALID'],
    ['code2Session', 40163, 'WECHAT_CODE_INVALID'],
    ['code2Session', 40226, 'WECHAT_USER_BLOCKED'],
    ['code2Session', 45011, 'RATE_LIMITED'],
    ['code2Session', -1, 'WECHAT_UNAVAILABLE'],
    ['code2Session', 40125, 'SERVICE_UNAVAILABLE'],
    // wxa/business/getuserphonenumber
    ['phoneNumber', 40029, 'WECHAT_CODE_INVALID'],
    ['phoneNumber', 1400001, 'WECHAT_QUOTA_EXHAUSTED'],
    ['phoneNumber', -1, 'WECHAT_UNAVAILABLE'],
    ['phoneNumber', 45011, 'RATE_LIMITED'],
    ['phoneNumber', 40013, 'SERVICE_UNAVAILABLE'],
    // cgi-bin/stable_token and cgi-bin/token
    ['stableToken', 40013, 'SERVICE_UNAVAILABLE'],
    ['stableToken', 40125, 'SERVICE_UNAVAILABLE'],
    ['stableToken', 40164, 'SERVICE_UNAVAILABLE'],
    ['stableToken', 45009, 'WECHAT_QUOTA_EXHAUSTED'],
    ['stableToken', -1, 'WECHAT_UNAVAILABLE'],
    ['token', 40013, 'SERVICE_UNAVAILABLE'],
    ['token', 40125, 'SERVICE_UNAVAILABLE'],
    ['token', 40164, 'SERVICE_UNAVAILABLE'],
    ['token', 45009, 'WECHAT_QUOTA_EXHAUSTED'],
    // cgi-bin/user/info, cgi-bin/user/get
    ['userInfo', 40003, 'NOT_FOUND'],
    ['userInfo', 40013, 'SERVICE_UNAVAILABLE'],
    ['userInfo', 40001, 'WECHAT_UNAVAILABLE'],
    ['userGet', 40003, 'NOT_FOUND'],
    ['userGet', 45009, 'WECHAT_QUOTA_EXHAUSTED'],
    // wxa/checksession
    ['checkSession', 87009, 'SESSION_KEY_STALE'],
    ['checkSession', -1, 'WECHAT_UNAVAILABLE'],
    // sns/oauth2/access_token
    ['oauthAccessToken', 40029, 'WECHAT_CODE_INVALID'],
    ['oauthAccessToken', 40163, 'WECHAT_CODE_INVALID'],
    ['oauthAccessToken', 40125, 'SERVICE_UNAVAILABLE'],
  ])('%s errcode %i → %s', (api, errcode, expected) => {
    expect(mapWechatErrcode(api, errcode)).toBe(expected);
  });

  it('keeps API-specific meanings to their API', () => {
    // 87009 only means "stale session_key" for checksession; 40226 only blocks logins.
    expect(mapWechatErrcode('code2Session', 87009)).toBe('WECHAT_UNAVAILABLE');
    expect(mapWechatErrcode('phoneNumber', 40226)).toBe('WECHAT_UNAVAILABLE');
    expect(mapWechatErrcode('checkSession', 40029)).toBe('WECHAT_UNAVAILABLE');
    expect(mapWechatErrcode('code2Session', 1400001)).toBe('WECHAT_UNAVAILABLE');
    expect(mapWechatErrcode('code2Session', 40003)).toBe('WECHAT_UNAVAILABLE');
  });

  it.each(ALL_APIS)('%s: unknown errcodes are WECHAT_UNAVAILABLE, 0 is a caller bug', (api) => {
    expect(mapWechatErrcode(api, 99999)).toBe('WECHAT_UNAVAILABLE');
    expect(mapWechatErrcode(api, 48001)).toBe('WECHAT_UNAVAILABLE');
    expect(mapWechatErrcode(api, 0)).toBe('INTERNAL');
  });

  it('always answers a product error code', () => {
    for (const api of ALL_APIS) {
      for (const errcode of [
        -1, 0, 40001, 40003, 40013, 40014, 40029, 40125, 40163, 40164, 40226, 42001, 45009, 45011,
        87009, 1400001,
      ]) {
        expect(ERROR_CODES).toContain(mapWechatErrcode(api, errcode));
      }
    }
  });
});

describe('isAccessTokenInvalid', () => {
  it.each([40001, 40014, 42001])('%i means refresh the token', (errcode) => {
    expect(isAccessTokenInvalid(errcode)).toBe(true);
  });
  it.each([0, -1, 40013, 40029, 45009, 87009])('%i does not', (errcode) => {
    expect(isAccessTokenInvalid(errcode)).toBe(false);
  });
});

describe('isRetryableWechatError', () => {
  it.each([-1, 45009, 45011])('%i is transient', (errcode) => {
    expect(isRetryableWechatError(errcode)).toBe(true);
  });
  it.each([0, 40001, 40003, 40013, 40029, 40125, 40163, 40164, 40226, 87009, 1400001])(
    '%i is not worth retrying as is',
    (errcode) => {
      expect(isRetryableWechatError(errcode)).toBe(false);
    },
  );
});
