import {
  ApiError,
  LoginError,
  NetworkError,
  RequestInvalidError,
  ResponseInvalidError,
  UserInfoError,
  errorCodeOf,
  isClientError,
  networkErrorFrom,
} from './errors';

describe('client errors', () => {
  it('carry stable codes', () => {
    expect(errorCodeOf(new ApiError('RATE_LIMITED', 429, 'x'))).toBe('RATE_LIMITED');
    expect(errorCodeOf(new NetworkError('TIMEOUT', 'request:fail timeout'))).toBe('TIMEOUT');
    expect(errorCodeOf(new ResponseInvalidError('getMe', 200, 'x'))).toBe('RESPONSE_INVALID');
    expect(errorCodeOf(new LoginError('wx.login', new Error('x')))).toBe('LOGIN_FAILED');
    expect(errorCodeOf(new RequestInvalidError('bindPhone', 'x'))).toBe('VALIDATION_FAILED');
    expect(errorCodeOf(new UserInfoError('getUserInfo:fail auth deny'))).toBe(
      'USER_INFO_UNAVAILABLE',
    );
    expect(errorCodeOf(new Error('bug'))).toBe('UNEXPECTED');
    expect(isClientError('nope')).toBe(false);
  });

  it('classify wx failures by errMsg', () => {
    expect(networkErrorFrom('request:fail timeout').code).toBe('TIMEOUT');
    expect(networkErrorFrom('request:fail socket time out timeout:6000').code).toBe('TIMEOUT');
    expect(networkErrorFrom('request:fail url not in domain list').code).toBe('NETWORK_ERROR');
  });

  it('keep the login stage and cause in the message', () => {
    const err = new LoginError('createSession', new ApiError('WECHAT_UNAVAILABLE', 502, 'busy'));
    expect(err.message).toBe('Login failed at createSession: busy');
  });
});
