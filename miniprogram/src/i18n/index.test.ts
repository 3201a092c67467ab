import { ApiError, LoginError, NetworkError } from '../services/errors';
import { describeError, isAccountBlocked } from './describe';
import { en } from './en';
import { detectLanguage, languageFromTag, messages, useLanguage } from './index';
import { zh_CN } from './zh_CN';

afterEach(() => useLanguage(null));

describe('language', () => {
  it('is Simplified Chinese unless WeChat is set to English', () => {
    expect(languageFromTag('zh_CN')).toBe('zh_CN');
    expect(languageFromTag('zh_TW')).toBe('zh_CN');
    expect(languageFromTag('en')).toBe('en');
    expect(languageFromTag('en_US')).toBe('en');
    expect(languageFromTag('en-GB')).toBe('en');
    expect(languageFromTag('eng')).toBe('zh_CN');
    expect(languageFromTag(undefined)).toBe('zh_CN');
  });

  it('reads wx.getAppBaseInfo first, falls back to wx.getSystemInfoSync, never throws', () => {
    expect(detectLanguage({ getAppBaseInfo: () => ({ language: 'en' }) })).toBe('en');
    expect(
      detectLanguage({
        getAppBaseInfo: () => {
          throw new Error('old base library');
        },
        getSystemInfoSync: () => ({ language: 'en_US' }),
      }),
    ).toBe('en');
    expect(detectLanguage({ getSystemInfoSync: () => ({ language: 'zh_CN' }) })).toBe('zh_CN');
    expect(detectLanguage({})).toBe('zh_CN');
    expect(detectLanguage(undefined)).toBe('zh_CN');
  });

  it('serves the chosen catalogue', () => {
    useLanguage('en');
    expect(messages()).toBe(en);
    useLanguage('zh_CN');
    expect(messages()).toBe(zh_CN);
  });

  it('has the same keys in every catalogue', () => {
    const keys = (o: object): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        typeof v === 'object' && v !== null ? keys(v as object).map((s) => `${k}.${s}`) : [k],
      );
    expect(keys(en).sort()).toEqual(keys(zh_CN).sort());
  });
});

describe('describeError in both languages', () => {
  it.each([
    [new NetworkError('TIMEOUT', 'x'), zh_CN.error.timeout, en.error.timeout],
    [
      new ApiError('RATE_LIMITED', 429, ''),
      '操作太频繁，请稍等片刻再试。',
      'Too many attempts. Wait a moment and try again.',
    ],
    [
      new ApiError('INTERNAL', 500, '', 'r-1'),
      '服务器错误（INTERNAL）。［编号 r-1］',
      'Server error (INTERNAL). [ref r-1]',
    ],
    [
      new LoginError('createSession', new ApiError('WECHAT_USER_BLOCKED', 403, '')),
      '登录失败：该微信账号无法登录。',
      'Login failed: This WeChat account cannot log in.',
    ],
    [new TypeError('x'), '出了点问题，请重试。', 'Something went wrong. Try again.'],
  ])('%s', (err, zh, english) => {
    expect(describeError(err, zh_CN)).toBe(zh);
    expect(describeError(err, en)).toBe(english);
  });

  it('words ACCOUNT_BLOCKED plainly (no "login failed" prefix) and recognises it', () => {
    const blocked = new LoginError('createSession', new ApiError('ACCOUNT_BLOCKED', 403, ''));
    expect(describeError(blocked, zh_CN)).toBe(zh_CN.error.api.ACCOUNT_BLOCKED);
    expect(isAccountBlocked(blocked)).toBe(true);
    expect(isAccountBlocked(new ApiError('ACCOUNT_BLOCKED', 403, ''))).toBe(true);
    expect(isAccountBlocked(new ApiError('RATE_LIMITED', 429, ''))).toBe(false);
  });
});
