/**
 * What the guard reports: one violation per broken rule per write, naming the
 * collection and the offending paths, and the error a guarded write fails with.
 */

/**
 * The rules the guard enforces (see the testkit README for each one's MongoDB source):
 * - `conflicting-paths`: two paths of one update overlap (MongoDB error 40).
 * - `immutable-id`: an update may change `_id` (MongoDB error 66).
 * - `dollar-field`: a `$`-prefixed field name would be stored.
 * - `empty-path`: an update path with an empty component (MongoDB error 56).
 * - `unsupported-update`: an update form the embedded database lacks.
 * - `malformed-update`: an update document mixing operators and fields, or a non-document operand.
 */
export type GuardRule =
  | 'conflicting-paths'
  | 'immutable-id'
  | 'dollar-field'
  | 'empty-path'
  | 'unsupported-update'
  | 'malformed-update';

/** The MongoDB error code each rule mirrors (the imitation-only rule has none). */
export const MONGO_ERROR_CODE: Readonly<Record<GuardRule, number | undefined>> = {
  'conflicting-paths': 40,
  'immutable-id': 66,
  'dollar-field': 52,
  'empty-path': 56,
  'unsupported-update': undefined,
  'malformed-update': 9,
};

/** A rule broken by one statement of a write command, before the command context is added. */
export interface Finding {
  readonly rule: GuardRule;
  /** The update paths or document fields at fault, e.g. `['$set.a', '$inc.a']`. */
  readonly paths: readonly string[];
  /** Why, in MongoDB's terms. */
  readonly detail: string;
}

/** A finding located in the command that carried it. */
export interface GuardViolation extends Finding {
  /** `insert`, `update`, `findAndModify` or `bulkWrite`. */
  readonly commandName: string;
  /** `database.collection`. */
  readonly namespace: string;
  /** Index of the statement in the command (insert document, update statement, bulkWrite op). */
  readonly statement: number;
  /** One line naming the rule, the collection and the paths. */
  readonly message: string;
}

/** Adds the command context and the one-line message to a finding. */
export function locate(
  finding: Finding,
  commandName: string,
  namespace: string,
  statement: number,
): GuardViolation {
  const message =
    `MongoDB guard: ${finding.rule} in ${commandName} on ${namespace} ` +
    `(statement ${statement}): ${finding.paths.join(', ')}: ${finding.detail}`;
  return { ...finding, commandName, namespace, statement, message };
}

/**
 * Thrown (in `throw` mode) from the driver's command monitoring, before the
 * command is sent: the write rejects with it and the database is untouched.
 * A collection's `bulkWrite()` wraps it in the driver's MongoBulkWriteError,
 * which copies its message, `rule`, `code` and `violations`.
 */
export class MongoGuardError extends Error {
  /** The first violation's rule. */
  readonly rule: GuardRule;
  /** The MongoDB error code that rule mirrors (40, 66...), when there is one. */
  readonly code: number | undefined;
  constructor(readonly violations: readonly GuardViolation[]) {
    super(violations.map((v) => v.message).join('\n'));
    const first = violations[0];
    this.rule = first?.rule ?? 'malformed-update';
    this.code = first ? MONGO_ERROR_CODE[first.rule] : undefined;
  }

  // A getter, not an own field: MongoBulkWriteError copies own fields onto
  // itself with Object.assign, and its `name` is a getter that cannot be set.
  override get name(): string {
    return 'MongoGuardError';
  }
}
