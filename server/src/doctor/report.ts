/** The outcome of one doctor check: its name, and what to do when it failed. */
export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  /** For a failure: what is wrong and what to do. For a pass: an optional detail. */
  readonly detail?: string;
}

/** A passed check (detail in parentheses when given). */
export function pass(check: string, detail?: string): CheckResult {
  return detail === undefined ? { check, ok: true } : { check, ok: true, detail };
}

/** A failed check with what to do about it. */
export function fail(check: string, whatToDo: string): CheckResult {
  return { check, ok: false, detail: whatToDo };
}

/** `ok  <check>` or `FAIL <check>: <what to do>`: one line per check. */
export function formatCheck(result: CheckResult): string {
  if (result.ok) return `ok   ${result.check}${result.detail ? ` (${result.detail})` : ''}`;
  return `FAIL ${result.check}: ${result.detail ?? 'failed'}`;
}
