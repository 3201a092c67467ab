/** TRUST_PROXY is validated at config time, one line naming it. */
import express from 'express';
import { ConfigError, loadConfig, parseTrustProxy } from '../../src/config';

describe('1. TRUST_PROXY is validated at config time', () => {
  const base = {
    MINIPROGRAM_APPID: 'wx1111111111111111',
    MINIPROGRAM_SECRET: 's',
    OFFICIAL_ACCOUNT_APPID: 'wx2222222222222222',
    OFFICIAL_ACCOUNT_SECRET: 's',
    OFFICIAL_ACCOUNT_TOKEN: 'pushtoken1',
  };
  const problemsFor = (value: string): readonly string[] => {
    try {
      loadConfig({ ...base, TRUST_PROXY: value });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it.each(['garbage', '10.0.0.1,', '300.1.1.1', '10.0.0.0/33', 'loopback,,linklocal', '1.5'])(
    'rejects %j with one line naming TRUST_PROXY, as Express would have crashed',
    (value) => {
      const problems = problemsFor(value);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^TRUST_PROXY must be /);
      expect(problems[0]).not.toContain(value);
      // The value really is one Express refuses (what used to crash at start).
      expect(() => express().set('trust proxy', value)).toThrow();
    },
  );

  it.each([
    ['true', true],
    ['false', false],
    ['', false],
    ['2', 2],
    ['loopback', 'loopback'],
    [' loopback , 10.0.0.0/8 ', 'loopback,10.0.0.0/8'],
    ['linklocal, uniquelocal, ::1, 192.168.0.0/255.255.0.0', null],
  ])('accepts %j, which Express then takes', (value, expected) => {
    const config = loadConfig({ ...base, TRUST_PROXY: value });
    if (expected !== null) expect(config.trustProxy).toEqual(expected);
    expect(() => express().set('trust proxy', config.trustProxy)).not.toThrow();
  });

  it('flags a hop count too large to be an integer', () => {
    expect(parseTrustProxy('9'.repeat(30))).toBeUndefined();
  });
});
