import { assertNoGuardViolations } from '@wxlink/testkit';
import type { Stack } from './stack';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __wxlinkContractStack?: Stack }).__wxlinkContractStack?.close();
  // The server ran in this process: any write MongoDB would refuse fails the run.
  assertNoGuardViolations();
}
