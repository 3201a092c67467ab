/**
 * Group commit for the inserts on hot paths (the push inbox, sessions, the
 * login audit): inserts into one collection that arrive while earlier ones
 * are still on their way to the database travel together in one
 * `insertMany`, and each caller still learns its own document's outcome.
 *
 * Why: most of the cost of one insert is per command, not per document (the
 * driver's command, its socket write and reply, the database's own commit),
 * so under load N concurrent pushes cost one command instead of N. Idle,
 * nothing waits: a lone insert leaves on the next turn of the event loop
 * (setImmediate, never a timer), as a plain `insertOne`. Nothing is
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
  /** Told the size of every command sent (a metric). */
  readonly onBatch?: (size: number) => void;
}

/** Sensible limits for a request path: 100 documents a command, 2 commands in flight. */
export const DEFAULT_INSERT_BATCHING: InsertBatcherOptions = {
  maxBatch: 100,
  maxInFlight: 2,
  maxQueued: 2000,
};

/** One document's own failure inside an `insertMany` (MongoDB's WriteError, as an Error). */
export class DocumentWriteError extends Error {
  override readonly name = 'DocumentWriteError';
  /** The server's error code: 11000 for a duplicate key. */
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** Refused without trying: too many inserts are already waiting. */
export class InsertQueueFullError extends Error {
  override readonly name = 'InsertQueueFullError';
  constructor(queued: number) {
    super(`${queued} inserts already wait for the database; refused`);
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
  options: InsertBatcherOptions = DEFAULT_INSERT_BATCHING,
): InsertBatcher<T> {
  const queue: Waiting<T>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = (): void => {
    if (scheduled || queue.length === 0 || inFlight >= options.maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  };
  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0 && inFlight < options.maxInFlight) {
      const batch = queue.splice(0, options.maxBatch);
      inFlight += 1;
      options.onBatch?.(batch.length);
      void writeBatch(target, batch).finally(() => {
        inFlight -= 1;
        schedule();
      });
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
    batch.forEach((w, i) => {
      const outcome = outcomes === 'all-failed' ? asError(err) : outcomes[i];
      if (outcome === null || outcome === undefined) w.resolve();
      else w.reject(outcome);
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

/** The driver gives one WriteError as itself and several as an array. */
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

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
