import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const AES_A = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const AES_B = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg';
const MINI = {
  MINIPROGRAM_APPID: 'wx1234567890abcdef',
  MINIPROGRAM_SECRET: 'mp-secret-0123456789',
};
const dir = mkdtempSync(join(tmpdir(), 'wxlink-accounts-'));
let fileSeq = 0;

/** Writes `content` (JSON unless a string) to a fresh file and returns the env pointing at it. */
function withFile(content: unknown): NodeJS.ProcessEnv {
  const path = join(dir, `accounts-${++fileSeq}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return { ...MINI, OFFICIAL_ACCOUNTS_FILE: path };
}

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, 'production');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

const serviceAccount = {
  appid: 'wxservice00000001',
  secret: 'service-secret-0123',
  token: 'serviceToken1',
  aesKey: AES_A,
  name: '示例服务号',
  qrCodeUrl: 'https://example.com/qr-service.jpg',
};
const subscriptionAccount = {
  appid: 'wxsubscribe000002',
  secret: 'subscribe-secret-01',
  token: 'subscribeToken2',
};

describe('OFFICIAL_ACCOUNTS_FILE', () => {
  it('serves every account in order, the first as the primary, each with its own keys and mode', () => {
    const config = loadConfig(withFile([serviceAccount, subscriptionAccount]), 'production');
    expect(config.officialAccounts.map((a) => a.appid)).toEqual([
      serviceAccount.appid,
      subscriptionAccount.appid,
    ]);
    expect(config.officialAccount).toBe(config.officialAccounts[0]);
    expect(config.officialAccounts[0]).toEqual({
      appid: serviceAccount.appid,
      secret: serviceAccount.secret,
      token: serviceAccount.token,
      aesKeys: [AES_A],
      encryptMode: 'safe',
      name: '示例服务号',
      qrCodeUrl: 'https://example.com/qr-service.jpg',
    });
    expect(config.officialAccounts[1]).toMatchObject({ aesKeys: [], encryptMode: 'plain' });
  });

  it('takes a previous key and an explicit mode per account', () => {
    const config = loadConfig(
      withFile([
        { ...subscriptionAccount, aesKey: AES_A, aesKeyPrevious: AES_B, encryptMode: 'compat' },
      ]),
      'production',
    );
    expect(config.officialAccount).toMatchObject({
      aesKeys: [AES_A, AES_B],
      encryptMode: 'compat',
    });
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    [
      'both styles set',
      { ...withFile([serviceAccount]), OFFICIAL_ACCOUNT_APPID: 'wxother' },
      'OFFICIAL_ACCOUNTS_FILE and OFFICIAL_ACCOUNT_APPID are both set: use one style, not both',
    ],
    [
      'a duplicate appid',
      withFile([serviceAccount, { ...subscriptionAccount, appid: serviceAccount.appid }]),
      "OFFICIAL_ACCOUNTS_FILE[1].appid repeats an earlier account's appid",
    ],
    [
      'a missing field',
      withFile([serviceAccount, { appid: 'wxsubscribe000002', secret: 's3cret-value' }]),
      'OFFICIAL_ACCOUNTS_FILE[1].token is required',
    ],
    [
      'a bad key length',
      withFile([{ ...serviceAccount, aesKey: 'short' }]),
      'OFFICIAL_ACCOUNTS_FILE[0].aesKey must be the 43-character EncodingAESKey',
    ],
    [
      'safe mode without a key',
      withFile([{ ...subscriptionAccount, encryptMode: 'safe' }]),
      'OFFICIAL_ACCOUNTS_FILE[0].encryptMode=safe needs OFFICIAL_ACCOUNTS_FILE[0].aesKey',
    ],
    [
      'an unknown field (a typo)',
      withFile([{ ...serviceAccount, aes_key: AES_A }]),
      'OFFICIAL_ACCOUNTS_FILE[0] has unknown fields: aes_key',
    ],
    ['not JSON', withFile('[{"appid": '), 'is not valid JSON'],
    [
      'an empty list',
      withFile([]),
      'OFFICIAL_ACCOUNTS_FILE must hold a JSON array of 1 to 32 accounts',
    ],
    [
      'an unreadable file',
      { ...MINI, OFFICIAL_ACCOUNTS_FILE: join(dir, 'missing.json') },
      'cannot be read',
    ],
  ])('fails start-up with one line naming the problem: %s', (_name, env, line) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(line);
  });

  it('never echoes a secret or key in a problem line', () => {
    const problems = problemsOf(
      withFile([{ ...serviceAccount, aesKey: `${AES_A}x`, token: 'bad token!' }]),
    );
    expect(problems.join('\n')).not.toContain(AES_A);
    expect(problems.join('\n')).not.toContain('bad token!');
  });
});

describe('single-account variables', () => {
  it('optional display fields are read and checked', () => {
    const env = {
      ...MINI,
      OFFICIAL_ACCOUNT_APPID: 'wxfedcba0987654321',
      OFFICIAL_ACCOUNT_SECRET: 'oa-secret-0123456789',
      OFFICIAL_ACCOUNT_TOKEN: 'pushtoken123',
    };
    expect(
      loadConfig({
        ...env,
        OFFICIAL_ACCOUNT_NAME: '服务号',
        OFFICIAL_ACCOUNT_QR_CODE_URL: 'https://x.example/qr.png',
      }).officialAccount,
    ).toMatchObject({ name: '服务号', qrCodeUrl: 'https://x.example/qr.png' });
    expect(problemsOf({ ...env, OFFICIAL_ACCOUNT_QR_CODE_URL: 'javascript:alert(1)' })).toEqual([
      'OFFICIAL_ACCOUNT_QR_CODE_URL must be an http(s) URL',
    ]);
    expect(problemsOf({ ...env, OFFICIAL_ACCOUNT_TOKEN: 'x' })).toEqual([
      'OFFICIAL_ACCOUNT_TOKEN must be 3 to 32 letters or digits',
    ]);
  });
});
