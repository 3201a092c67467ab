import {
  createGroupCommit,
  REQUEST_PATH_GROUPING,
  type GroupCommitOptions,
  type GroupMember,
} from './group-commit';
import { asError } from './errors';
import { isDuplicateKeyError } from './retry';

/**
 * Grouped inserts on hot paths (the push inbox, sessions, the login audit),
 * on group-commit.ts: inserts into one collection that arrive while every
 * slot is taken travel together in one unordered `insertMany`; a lone one is
 * a plain `insertOne`. Each caller still learns its own document's outcome,
 * by MongoDB's rules below.
 */

/** The part of a driver `Collection` the batcher uses. */
export interface InsertTarget<T> {
  insertOne(doc: T): Promise<unknown>;
  insertMany(docs: T[], options: { ordered: false }): Promise<unknown>;
}

/**
 * Limits for a request path (group-commit.ts REQUEST_PATH_GROUPING). A
 * command that times out may still land later: a push is then a duplicate of
 * WeChat's retry, a session unused.
 */
export const DEFAULT_INSERT_BATCHING: GroupCommitOptions = {
  ...REQUEST_PATH_GROUPING,
  what: 'inserts',
};

/**
 * One document's own failure inside an `insertMany` (MongoDB's WriteError, as
 * an Error). It keeps the code and message, not `keyPattern`/`keyValue`:
 * nothing here reads which key collided.
 */
export class DocumentWriteError extends Error {
  override readonly name = 'DocumentWriteError';
  /** The server's error code: 11000 for a duplicate key. */
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A whole command failed and its error names a duplicate key (write errors
 * beside a write-concern error): none of its documents is known to be in,
 * so no caller may read it as "already stored".
 */
export class InsertGroupError extends Error {
  override readonly name = 'InsertGroupError';
  constructor(cause: unknown) {
    super('the grouped insert failed as a whole', { cause });
  }
}

/** Inserts one document; settles with the database's answer for that document. */
export interface InsertBatcher<T> {
  insert(doc: T): Promise<void>;
}

type Waiting<T> = GroupMember<T, void>;

/** A batcher over one collection (see the module comment). */
export function createInsertBatcher<T>(
  target: InsertTarget<T>,
  options: GroupCommitOptions,
): InsertBatcher<T> {
  return { insert: createGroupCommit<T, void>((batch) => writeBatch(target, batch), options) };
}

/** Sends one batch and settles each waiting caller with its document's outcome. */
async function writeBatch<T>(target: InsertTarget<T>, batch: Waiting<T>[]): Promise<void> {
  if (batch.length === 1) return settleOne(target, batch[0]!);
  try {
    await target.insertMany(
      batch.map((w) => w.input),
      { ordered: false },
    );
    for (const w of batch) w.resolve();
    return;
  } catch (err) {
    const outcomes = documentOutcomes(err, batch.length);
    if (outcomes === 'each-alone') {
      await Promise.all(batch.map((w) => settleOne(target, w)));
      return;
    }
    if (outcomes === 'all-failed') {
      const failure = failureOfGroup(err);
      for (const w of batch) w.reject(failure);
      return;
    }
    batch.forEach((w, i) => {
      const failure = outcomes[i];
      if (failure) w.reject(failure);
      else w.resolve();
    });
  }
}

async function settleOne<T>(target: InsertTarget<T>, w: Waiting<T>): Promise<void> {
  try {
    await target.insertOne(w.input);
    w.resolve();
  } catch (err) {
    w.reject(asError(err));
  }
}

/**
 * What a failed `insertMany(…, {ordered: false})` did to each of `count`
 * documents (pure):
 *
 * - per document (null: inserted) when MongoDB reported write errors by
 *   index and no write-concern error: an unordered insert goes on past a
 *   failing document, so the unlisted ones are in;
 * - `'each-alone'` for a duplicate-key error that names no document (the
 *   embedded test database refuses the whole batch that way): inserting
 *   each alone gives every caller the answer `insertOne` would have;
 * - `'all-failed'` otherwise (network, write concern, timeout): nothing is
 *   known to be in, and every caller gets the error.
 */
export function documentOutcomes(
  err: unknown,
  count: number,
): (DocumentWriteError | null)[] | 'each-alone' | 'all-failed' {
  const e = err as { code?: unknown; writeErrors?: unknown } | null;
  if (e === null || typeof e !== 'object') return 'all-failed';
  const writeErrors = listOf(e.writeErrors);
  if (writeErrors.length === 0) return e.code === 11000 ? 'each-alone' : 'all-failed';
  if (hasWriteConcernError(err)) return 'all-failed';
  const outcomes: (DocumentWriteError | null)[] = new Array<null>(count).fill(null);
  for (const w of writeErrors) {
    const { index, code, errmsg } = w as { index?: unknown; code?: unknown; errmsg?: unknown };
    if (typeof index !== 'number' || index < 0 || index >= count || typeof code !== 'number') {
      return 'all-failed';
    }
    outcomes[index] = new DocumentWriteError(code, typeof errmsg === 'string' ? errmsg : '');
  }
  return outcomes;
}

/** The driver's type allows one WriteError as itself or several in an array (driver 7 builds an array). */
function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  return value !== undefined && value !== null ? [value] : [];
}

function hasWriteConcernError(err: unknown): boolean {
  const { err: concern, result } = err as {
    err?: unknown;
    result?: { getWriteConcernError?: () => unknown };
  };
  if (concern != null) return true;
  return (
    typeof result?.getWriteConcernError === 'function' && result.getWriteConcernError() != null
  );
}

/**
 * What every caller of a failed command is told. The driver wraps an error
 * that is not the server's per-document answer (a reset connection, a
 * cleared pool, no server) in a MongoBulkWriteError, which would read as a
 * server error: the wrapped error is given instead, so the HTTP layer still
 * sees a transient fault (503). An error whose code says duplicate key is
 * never given to all: that would read as "already stored".
 */
export function failureOfGroup(err: unknown): Error {
  const inner = (err as { errorResponse?: unknown } | null)?.errorResponse;
  const failure = inner instanceof Error ? inner : asError(err);
  return isDuplicateKeyError(failure) ? new InsertGroupError(err) : failure;
}
