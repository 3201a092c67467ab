/**
 * Two projects:
 *  - unit: session kit, components and pages under miniprogram-simulate
 *    (jsdom), plus the build test that loads the built dist/ tree;
 *  - contract: the session kit and pages against the real server, the
 *    WeChat sandbox and embedded MongoDB, started once by its globalSetup.
 * @type {import('jest').Config}
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/*.test.ts'],
      transform,
    },
    {
      displayName: 'contract',
      rootDir: __dirname,
      testEnvironment: '<rootDir>/test/contract/environment.js',
      testMatch: ['<rootDir>/test/contract/**/*.test.ts'],
      globalSetup: '<rootDir>/test/contract/global-setup.ts',
      globalTeardown: '<rootDir>/test/contract/global-teardown.ts',
      transform,
      testTimeout: 30_000,
    },
  ],
};
