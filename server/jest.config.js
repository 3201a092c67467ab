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
  // A worker's heap grows to ~500 MB (RSS ~750 MB) over the suite: test
  // files stay reachable for a while through timers and pooled sockets that
  // captured a test's async context. Unmapping that at exit can take longer
  // than jest's default 500 ms grace on a loaded 2-core machine, and jest
  // then reports "A worker process has failed to exit gracefully" although
  // no handle is left open (the worker's exit event has already fired).
  workerGracefulExitTimeout: 5000,
  testTimeout: 30000,
};
