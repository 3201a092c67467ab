import { API_BASE_BY_ENV, apiBaseFor, envVersionOf, resolveApiBase } from './index';

function accountInfo(envVersion: string) {
  return {
    getAccountInfoSync: () =>
      ({
        miniProgram: { appId: 'wx1', envVersion, version: '' },
      }) as unknown as WechatMiniprogram.AccountInfo,
  };
}

describe('API base per environment', () => {
  it('maps WeChat envVersion values and defaults to develop', () => {
    expect(envVersionOf('release')).toBe('release');
    expect(envVersionOf('trial')).toBe('trial');
    expect(envVersionOf('develop')).toBe('develop');
    expect(envVersionOf(undefined)).toBe('develop');
  });

  it('points develop at the local npm run dev server', () => {
    expect(apiBaseFor('develop', undefined)).toBe('http://127.0.0.1:3000');
    expect(resolveApiBase(accountInfo('develop'), undefined)).toBe(API_BASE_BY_ENV.develop);
  });

  it('uses the per-environment host for trial and release', () => {
    expect(resolveApiBase(accountInfo('release'), undefined)).toBe(API_BASE_BY_ENV.release);
    expect(resolveApiBase(accountInfo('trial'), undefined)).toBe(API_BASE_BY_ENV.trial);
  });

  it('applies a build-time override to develop only', () => {
    expect(resolveApiBase(accountInfo('develop'), 'http://192.168.1.20:3000')).toBe(
      'http://192.168.1.20:3000',
    );
    expect(resolveApiBase(accountInfo('release'), 'http://192.168.1.20:3000')).toBe(
      API_BASE_BY_ENV.release,
    );
  });

  it('falls back to develop when getAccountInfoSync is unavailable', () => {
    const broken = {
      getAccountInfoSync: (): WechatMiniprogram.AccountInfo => {
        throw new Error('not supported');
      },
    };
    expect(resolveApiBase(broken, undefined)).toBe(API_BASE_BY_ENV.develop);
  });
});
