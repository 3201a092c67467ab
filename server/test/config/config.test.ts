import { ConfigError, loadConfig } from '../../src/config';

const valid = {
  MINIPROGRAM_APPID: 'wx1234567890abcdef',
  MINIPROGRAM_SECRET: 'mp-secret-value-0123456789',
  OFFICIAL_ACCOUNT_APPID: 'wxfedcba0987654321',
  OFFICIAL_ACCOUNT_SECRET: 'oa-secret-value-0123456789',
  OFFICIAL_ACCOUNT_TOKEN: 'pushtoken123',
};
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function problemsOf(
  env: NodeJS.ProcessEnv,
  mode: 'production' | 'development' = 'production',
): string[] {
  try {
    loadConfig(env, mode);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({
      port: 3000,
      mongodbUri: undefined,
      wechatApiBase: 'https://api.weixin.qq.com',
      wechatOpenBase: 'https://open.weixin.qq.com',
      publicBaseUrl: 'http://localhost:3000',
      sessionTtlSeconds: 604800,
      watermarkMaxAgeSeconds: 600,
      sessionKeyGraceSeconds: 300,
      loginRateLimitPerMinute: 600,
      limits: {
        loginFailuresPerMinute: 20,
        avatarUploadsPerMinute: 10,
        avatarsKept: 5,
        checkSessionsPerWindow: 5,
        checkSessionWindowSeconds: 600,
      },
      trustProxy: false,
      logLevel: 'info',
    });
    expect(config.officialAccount.encryptMode).toBe('plain');
    expect(config.officialAccount.aesKeys).toEqual([]);
  });

  it('reads the limits and names a malformed one', () => {
    const config = loadConfig({
      ...valid,
      LOGIN_FAILURE_LIMIT_PER_MINUTE: '7',
      AVATAR_UPLOAD_LIMIT_PER_MINUTE: '3',
      AVATARS_KEPT: '2',
      CHECKSESSION_LIMIT_PER_USER: '1',
      CHECKSESSION_LIMIT_WINDOW_SECONDS: '60',
    });
    expect(config.limits).toEqual({
      loginFailuresPerMinute: 7,
      avatarUploadsPerMinute: 3,
      avatarsKept: 2,
      checkSessionsPerWindow: 1,
      checkSessionWindowSeconds: 60,
    });
    expect(
      problemsOf({ ...valid, AVATARS_KEPT: 'five', LOGIN_FAILURE_LIMIT_PER_MINUTE: '0' }),
    ).toEqual([
      'LOGIN_FAILURE_LIMIT_PER_MINUTE must be between 1 and 100000',
      'AVATARS_KEPT must be a whole number',
    ]);
  });

  it('defaults to safe mode when an AES key is set, and keeps current then previous key', () => {
    const config = loadConfig({
      ...valid,
      OFFICIAL_ACCOUNT_AES_KEY: AES_KEY,
      OFFICIAL_ACCOUNT_AES_KEY_PREVIOUS: AES_KEY.replace('a', 'b'),
    });
    expect(config.officialAccount.encryptMode).toBe('safe');
    expect(config.officialAccount.aesKeys).toEqual([AES_KEY, AES_KEY.replace('a', 'b')]);
  });

  it('reads every override', () => {
    const config = loadConfig({
      ...valid,
      PORT: '8080',
      MONGODB_URI: 'mongodb://db.example:27017/wxlink?replicaSet=rs0',
      WECHAT_API_BASE: 'http://127.0.0.1:9999/',
      PUBLIC_BASE_URL: 'https://api.example.com',
      SESSION_TTL_SECONDS: '3600',
      WATERMARK_MAX_AGE_SECONDS: '0',
      SESSION_KEY_GRACE_SECONDS: '60',
      LOGIN_RATE_LIMIT_PER_MINUTE: '5',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'debug',
      OAUTH_STATE_SECRET: 's'.repeat(32),
    });
    expect(config).toMatchObject({
      port: 8080,
      mongodbUri: 'mongodb://db.example:27017/wxlink?replicaSet=rs0',
      wechatApiBase: 'http://127.0.0.1:9999',
      publicBaseUrl: 'https://api.example.com',
      sessionTtlSeconds: 3600,
      watermarkMaxAgeSeconds: 0,
      sessionKeyGraceSeconds: 60,
      loginRateLimitPerMinute: 5,
      trustProxy: 1,
      logLevel: 'debug',
    });
  });

  it('names every missing credential, one line each, in production only', () => {
    const problems = problemsOf({});
    expect(problems).toEqual([
      'MINIPROGRAM_APPID is required',
      'MINIPROGRAM_SECRET is required',
      'OFFICIAL_ACCOUNT_APPID is required',
      'OFFICIAL_ACCOUNT_SECRET is required',
      'OFFICIAL_ACCOUNT_TOKEN is required',
    ]);
    expect(() => loadConfig({}, 'development')).not.toThrow();
  });

  it.each([
    ['PORT', 'abc', /^PORT must be a whole number$/],
    ['PORT', '70000', /^PORT must be between 0 and 65535$/],
    ['SESSION_TTL_SECONDS', '-5', /^SESSION_TTL_SECONDS must be a whole number$/],
    ['SESSION_TTL_SECONDS', '10', /^SESSION_TTL_SECONDS must be between/],
    ['WATERMARK_MAX_AGE_SECONDS', '1.5', /^WATERMARK_MAX_AGE_SECONDS must be a whole number$/],
    ['WECHAT_API_BASE', 'ftp://x', /^WECHAT_API_BASE must be an http\(s\) URL$/],
    ['WECHAT_API_BASE', 'not a url', /^WECHAT_API_BASE must be an http\(s\) URL$/],
    ['PUBLIC_BASE_URL', 'localhost:3000', /^PUBLIC_BASE_URL must be an http\(s\) URL$/],
    [
      'OFFICIAL_ACCOUNT_ENCRYPT_MODE',
      'aes',
      /^OFFICIAL_ACCOUNT_ENCRYPT_MODE must be plain, compat or safe$/,
    ],
    [
      'OFFICIAL_ACCOUNT_ENCRYPT_MODE',
      'safe',
      /^OFFICIAL_ACCOUNT_ENCRYPT_MODE=safe needs OFFICIAL_ACCOUNT_AES_KEY$/,
    ],
    [
      'OFFICIAL_ACCOUNT_AES_KEY',
      'short-secret-key',
      /^OFFICIAL_ACCOUNT_AES_KEY must be the 43-character EncodingAESKey$/,
    ],
    [
      'OFFICIAL_ACCOUNT_AES_KEY_PREVIOUS',
      AES_KEY,
      /^OFFICIAL_ACCOUNT_AES_KEY_PREVIOUS is set but OFFICIAL_ACCOUNT_AES_KEY is not$/,
    ],
    [
      'OAUTH_STATE_SECRET',
      'too-short-secret',
      /^OAUTH_STATE_SECRET must be at least 32 characters$/,
    ],
    [
      'MONGODB_URI',
      'postgres://secret-password@db',
      /^MONGODB_URI must start with mongodb:\/\/ or mongodb\+srv:\/\/$/,
    ],
    ['LOG_LEVEL', 'verbose', /^LOG_LEVEL must be one of/],
  ])('%s=%s → one clear line that does not echo the value', (name, value, expected) => {
    const problems = problemsOf({ ...valid, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
    expect(problems[0]).not.toContain('\n');
    if (value.length > 4) expect(problems[0]).not.toContain(value);
  });

  it('reports several problems together and never echoes secrets', () => {
    const secretish = 'super-secret-9f8e7d6c5b4a';
    const problems = problemsOf({
      MINIPROGRAM_APPID: 'wx1',
      MINIPROGRAM_SECRET: secretish,
      PORT: secretish,
      OFFICIAL_ACCOUNT_AES_KEY: secretish,
    });
    expect(problems.length).toBeGreaterThanOrEqual(5);
    for (const p of problems) expect(p).not.toContain(secretish);
    const err = new ConfigError(problems);
    expect(err.message.split('\n')).toEqual(problems);
  });
});
