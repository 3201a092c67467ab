/**
 * The violations seen in this process since they were last taken. A write the
 * guard rejects can be swallowed by the code under test (a retried background
 * job, an error mapped to a 500 the test expected anyway), so suites also
 * check this record after each test.
 */
import { MongoGuardError, type GuardViolation } from './violation';

/** Kept per process (one global), so copies of this module loaded by different paths share it. */
const KEY = Symbol.for('@wxlink/testkit.mongoGuard.violations');

/** Bounded: a loop of bad writes must not grow memory without end. */
const MAX_RECORDED = 100;

interface Record {
  violations: GuardViolation[];
  dropped: number;
}

function record(): Record {
  const holder = globalThis as { [KEY]?: Record };
  return (holder[KEY] ??= { violations: [], dropped: 0 });
}

/** Adds violations to the record (the guard calls this; tests rarely need to). */
export function recordViolations(violations: readonly GuardViolation[]): void {
  const current = record();
  for (const violation of violations) {
    if (current.violations.length < MAX_RECORDED) current.violations.push(violation);
    else current.dropped += 1;
  }
}

/** Returns the recorded violations and clears the record. */
export function takeGuardViolations(): GuardViolation[] {
  const current = record();
  const taken = current.violations;
  current.violations = [];
  current.dropped = 0;
  return taken;
}

/**
 * Throws a MongoGuardError listing every violation recorded since the last
 * call (and clears the record); for `afterEach` or a global teardown.
 */
export function assertNoGuardViolations(): void {
  const { dropped } = record();
  const taken = takeGuardViolations();
  if (taken.length === 0) return;
  const error = new MongoGuardError(taken);
  if (dropped > 0) error.message += `\n(and ${dropped} more)`;
  throw error;
}
