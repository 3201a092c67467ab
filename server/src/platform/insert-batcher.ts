import { AppError } from './errors';
import { isDuplicateKeyError } from './retry';

/**
 * Group commit for the inserts on hot paths (the push inbox, sessions, the
 * login audit): inserts into one collection that arrive while every slot
 * (maxInFlight commands) is taken wait, and then travel together in one
 * `insertMany`; each caller still learns its own document's outcome.
 *
 * Why: most of the cost of one insert is per command, not per document (the
 * driver's command, its socket write and reply, the database's own commit),
 * so under load N concurrent pushes cost one command instead of N. Idle,
 * nothing waits: a lone insert leaves on the next turn of the event loop
 * (setImmediate, no delay timer), as a plain `insertOne`. Nothing is
 * acknowledged early either: a caller's promise settles only with the
 * database's answer for its document.
 *
 * No library does this for the MongoDB driver (bulk helpers batch one
 * caller's writes, not concurrent callers'), and the outcome rules below are
 * MongoDB's, so it is written here.
 */

/** The part of a driver `Collection` the batcher uses. */
export interface InsertTarget<T> {
  insertOne(doc: T): Promise<unknown>;
  insertMany(docs: T[], options: { ordered: false }): Promise<unknown>;
}

/** How much may travel and wait. */
export interface InsertBatcherOptions {
  /** Most documents in one `insertMany`. */
  readonly maxBatch: number;
  /** Most insert commands in flight at once; inserts arriving meanwhile wait and go together. */
  readonly maxInFlight: number;
  /**
   * Most documents waiting for a slot. Past it an insert is refused at once
   * (InsertQueueFullError): a database that stopped answering must not make
   * the queue grow without bound.
   */
  readonly maxQueued: number;
  /**
   * A command unanswered this long gives up its slot, and its callers get
   * SERVICE_UNAVAILABLE: one command stuck on a dead connection must not
   * hold up every later insert into the collection. (It may still land
   * later; a push is then a duplicate of WeChat's retry, a session unused.)
   */
  readonly commandTimeoutMs: number;
  /** Told the size of every command sent (a metric). */
  readonly onBatch?: (size: number) => void;
}

/**
 * Limits for a request path: 100 documents a command, 2 commands in flight,
 * 5 s per command (inside the 6 s API deadline; a push gives up sooner, at
 * its own 3 s budget).
 */
export const DEFAULT_INSERT_BATCHING: InsertBatcherOptions = {
  maxBatch: 100,
  maxInFlight: 2,
  maxQueued: 2000,
  commandTimeoutMs: 5000,
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

/** Refused without trying: too many inserts already wait (503, try again). */
export class InsertQueueFullError extends AppError<'SERVICE_UNAVAILABLE'> {
  override readonly name = 'InsertQueueFullError';
  constructor(queued: number) {
    super('SERVICE_UNAVAILABLE', `${queued} inserts already wait for the database; refused`);
  }
}

/** The command did not answer within commandTimeoutMs (503, try again). */
export class InsertTimeoutError extends AppError<'SERVICE_UNAVAILABLE'> {
  override readonly name = 'InsertTimeoutError';
  constructor(ms: number) {
    super('SERVICE_UNAVAILABLE', `the database did not answer an insert within ${ms} ms`);
  }
}

/** Inserts one document; settles with the database's answer for that document. */
export interface InsertBatcher<T> {
  insert(doc: T): Promise<void>;
}

interface Waiting<T> {
  doc: T;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A batcher over one collection (see the module comment). */
export function createInsertBatcher<T>(
  target: InsertTarget<T>,
  options: InsertBatcherOptions,
): InsertBatcher<T> {
  const queue: Waiting<T>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = (): void => {
    if (scheduled || queue.length === 0 || inFlight >= options.maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  };
  const send = (batch: Waiting<T>[]): void => {
    inFlight += 1;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      inFlight -= 1;
      schedule();
    };
    // Settling a caller twice is a no-op, so a late answer after the
    // timeout changes nothing for the callers already told.
    const timer = setTimeout(() => {
      const timeout = new InsertTimeoutError(options.commandTimeoutMs);
      for (const w of batch) w.reject(timeout);
      release();
    }, options.commandTimeoutMs);
    void writeBatch(target, batch).finally(release);
    try {
      options.onBatch?.(batch.length);
    } catch {
      // A metric that fails must not fail the writes.
    }
  };
  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0 && inFlight < options.maxInFlight) {
      send(queue.splice(0, options.maxBatch));
    }
  };

  return {
    insert(doc: T): Promise<void> {
      if (queue.length >= options.maxQueued) {
        return Promise.reject(new InsertQueueFullError(queue.length));
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ doc, resolve, reject });
        schedule();
      });
    },
  };
}

/** Sends one batch and settles each waiting caller with its document's outcome. */
async function writeBatch<T>(target: InsertTarget<T>, batch: Waiting<T>[]): Promise<void> {
  if (batch.length === 1) return settleOne(target, batch[0]!);
  try {
    await target.insertMany(
      batch.map((w) => w.doc),
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
    await target.insertOne(w.doc);
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

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
