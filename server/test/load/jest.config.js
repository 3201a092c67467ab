/**
 * The full-size load / soak / fault / fuzz runner: `npm run test:load -w @wxlink/server`.
 * Same setup as the fast suite (embedded MongoDB or MONGODB_URI), bigger counts
 * (LOAD_SCALE=full, FUZZ_RUNS=2000 unless set), one suite at a time so the
 * figures are not distorted by parallel suites.
 * @type {import('jest').Config}
 */
const base = require('../../jest.config.js');

module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test'],
  testMatch: [
    '<rootDir>/test/load/**/*.load.ts',
    '<rootDir>/test/system/faults.test.ts',
    '<rootDir>/test/system/fuzz.test.ts',
    '<rootDir>/test/platform/shutdown.test.ts',
  ],
  setupFiles: ['<rootDir>/test/load/full-env.js'],
  maxWorkers: 1,
  testTimeout: 30 * 60 * 1000,
};
