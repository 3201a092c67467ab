/** wechat/errors.ts toProductError: a WeChat failure as the answering route's contract allows. */
import { API_ROUTES, type ErrorCode } from '@wxlink/contracts';
import { AppError } from '../../src/platform/errors';
import { toProductError, WechatApiError } from '../../src/wechat/errors';

const MESSAGES = {
  WECHAT_QUOTA_EXHAUSTED: 'quota message',
  WECHAT_UNAVAILABLE: 'unavailable message',
  default: 'default message',
};

function failure(code: ErrorCode, errcode: number): WechatApiError {
  return new WechatApiError(
    'checkSession',
    errcode,
    code,
    `WeChat checkSession failed: ${errcode}`,
  );
}

describe('toProductError', () => {
  it.each([
    // 45009 (daily quota) is in the common table for every API; only bindPhone names a 402.
    ['createSession', 'WECHAT_QUOTA_EXHAUSTED', 45009, 'WECHAT_UNAVAILABLE', 'unavailable message'],
    [
      'authorizeProfile',
      'WECHAT_QUOTA_EXHAUSTED',
      45009,
      'WECHAT_UNAVAILABLE',
      'unavailable message',
    ],
    ['bindPhone', 'WECHAT_QUOTA_EXHAUSTED', 1400001, 'WECHAT_QUOTA_EXHAUSTED', 'quota message'],
    // Codes every route may answer stay what they are.
    ['authorizeProfile', 'SERVICE_UNAVAILABLE', 40125, 'SERVICE_UNAVAILABLE', 'default message'],
    ['createSession', 'RATE_LIMITED', 45011, 'RATE_LIMITED', 'default message'],
    // A code the route names stays.
    ['createSession', 'WECHAT_CODE_INVALID', 40029, 'WECHAT_CODE_INVALID', 'default message'],
  ] as const)('%s: %s (errcode %d) answers %s', (route, code, errcode, answered, message) => {
    const err = toProductError(failure(code, errcode), MESSAGES, API_ROUTES[route]);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: answered, message, details: { errcode } });
    expect((err as AppError).cause).toBeInstanceOf(WechatApiError);
  });

  it('keeps every code outside the mini-program API (route null)', () => {
    const err = toProductError(failure('WECHAT_QUOTA_EXHAUSTED', 45009), MESSAGES, null);
    expect(err).toMatchObject({ code: 'WECHAT_QUOTA_EXHAUSTED', message: 'quota message' });
  });

  it('returns anything that is not a WeChat failure as it is', () => {
    const other = new Error('database down');
    expect(toProductError(other, MESSAGES, API_ROUTES.createSession)).toBe(other);
  });
});
