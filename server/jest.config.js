/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/guard-setup.ts'],
  // Two cores on CI; database-backed suites contend on one embedded server.
  maxWorkers: 2,
  // A worker is replaced once a test file leaves it above this. Test files
  // leave their servers reachable for a while through timers and pooled
  // sockets that captured the test's async context, so a worker's heap grew
  // to ~500 MB (RSS ~750 MB) over the suite, and unmapping that at the end
  // took longer than jest's 500 ms grace: "A worker process has failed to
  // exit gracefully" on every run, with no handle left open.
  workerIdleMemoryLimit: '400MB',
  testTimeout: 30000,
};
