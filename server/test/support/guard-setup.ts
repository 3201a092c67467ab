import { assertNoGuardViolations } from '@wxlink/testkit';

// The guard rejects a bad write where it is sent; this also fails the test
// whose code swallowed that rejection (a catch-all, a background worker).
afterEach(() => {
  assertNoGuardViolations();
});
