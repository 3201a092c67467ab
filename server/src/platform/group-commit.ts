import { DeadlineWatch } from './deadline-watch';
import { AppError, asError } from './errors';

/**
 * Group commit for database commands on request paths: calls that arrive
 * while every slot (maxInFlight operations) is taken wait, and then travel
 * together in one operation, which answers each caller on its own.
 *
 * Why: most of a small command's cost is per command, not per document (the
 * driver's command, its socket write and reply, the database's own work), so
 * under load N concurrent callers cost one command instead of N. Idle,
 * nothing waits: a lone call leaves on the next turn of the event loop
 * (setImmediate, no delay timer). Nothing is answered early either: a caller
 * settles only with the operation's answer for it.
 *
 * Used by the hot-path inserts (insert-batcher.ts), the rate-limit counters
 * (http/rate-limit-store.ts) and the login's follower read
 * (official-account/followers/view-reads.ts). No library does this for the
 * MongoDB driver (its bulk helpers batch one caller's writes, not concurrent
 * callers'), so it is written here.
 */

/** How much may travel and wait. */
export interface GroupCommitOptions {
  /** What is grouped, for error messages: "inserts", "follower reads". */
  readonly what: string;
  /** Most callers in one operation. */
  readonly maxBatch: number;
  /** Most operations in flight at once; calls arriving meanwhile wait and go together. */
  readonly maxInFlight: number;
  /**
   * Most callers waiting for a slot. Past it a call is refused at once
   * (GroupQueueFullError): a database that stopped answering must not make
   * the queue grow without bound.
   */
  readonly maxQueued: number;
  /**
   * An operation unanswered this long (up to an eighth longer: deadline-watch.ts)
   * gives up its slot, and its callers get SERVICE_UNAVAILABLE: one command
   * stuck on a dead connection must not hold up every later call. (A write
   * may still land later; each user says what that means for it.)
   */
  readonly commandTimeoutMs: number;
  /** Told the size of every operation sent (a metric). */
  readonly onBatch?: (size: number) => void;
}

/**
 * Limits for a request path: 100 callers an operation, 2 operations in
 * flight, 5 s each (inside the 6 s API deadline; a push gives up sooner, at
 * its own 3 s budget).
 */
export const REQUEST_PATH_GROUPING: Omit<GroupCommitOptions, 'what'> = {
  maxBatch: 100,
  maxInFlight: 2,
  maxQueued: 2000,
  commandTimeoutMs: 5000,
};

/** Refused without trying: too many calls already wait (503, try again). */
export class GroupQueueFullError extends AppError<'SERVICE_UNAVAILABLE'> {
  override readonly name = 'GroupQueueFullError';
  constructor(what: string, queued: number) {
    super('SERVICE_UNAVAILABLE', `${queued} ${what} already wait for the database; refused`);
  }
}

/** The operation did not answer within commandTimeoutMs (503, try again). */
export class GroupTimeoutError extends AppError<'SERVICE_UNAVAILABLE'> {
  override readonly name = 'GroupTimeoutError';
  constructor(what: string, ms: number) {
    super('SERVICE_UNAVAILABLE', `the database did not answer ${what} within ${ms} ms`);
  }
}

/** One waiting caller: its input, and how to answer it (a second answer is ignored). */
export interface GroupMember<I, O> {
  readonly input: I;
  resolve(value: O): void;
  reject(err: Error): void;
}

/**
 * Sends one group and answers each member. A member it leaves unanswered
 * gets the operation's error (or, had it succeeded, an error saying so).
 */
export type GroupOperation<I, O> = (members: GroupMember<I, O>[]) => Promise<void>;

/** The grouped call: settles with the operation's answer for this input. */
export type GroupedCall<I, O> = (input: I) => Promise<O>;

interface Waiting<I, O> extends GroupMember<I, O> {
  settled: boolean;
}

/** A group commit over `operation` (see the module comment). */
export function createGroupCommit<I, O>(
  operation: GroupOperation<I, O>,
  options: GroupCommitOptions,
): GroupedCall<I, O> {
  const queue: Waiting<I, O>[] = [];
  const deadlines = new DeadlineWatch(options.commandTimeoutMs);
  let inFlight = 0;
  let scheduled = false;

  const schedule = (): void => {
    if (scheduled || queue.length === 0 || inFlight >= options.maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  };
  const send = (group: Waiting<I, O>[]): void => {
    inFlight += 1;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      cancelDeadline();
      inFlight -= 1;
      schedule();
    };
    const cancelDeadline = deadlines.start(() => {
      const timeout = new GroupTimeoutError(options.what, options.commandTimeoutMs);
      for (const member of group) member.reject(timeout);
      release();
    });
    void runOperation(operation, group).finally(release);
    try {
      options.onBatch?.(group.length);
    } catch {
      // A metric that fails must not fail the operation.
    }
  };
  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0 && inFlight < options.maxInFlight) {
      send(queue.splice(0, options.maxBatch));
    }
  };

  return (input: I): Promise<O> => {
    if (queue.length >= options.maxQueued) {
      return Promise.reject(new GroupQueueFullError(options.what, queue.length));
    }
    return new Promise<O>((resolve, reject) => {
      queue.push(waiting(input, resolve, reject));
      schedule();
    });
  };
}

/** A member whose first answer counts (a late answer after a timeout changes nothing). */
function waiting<I, O>(
  input: I,
  resolve: (value: O) => void,
  reject: (err: Error) => void,
): Waiting<I, O> {
  const member: Waiting<I, O> = {
    input,
    settled: false,
    resolve(value) {
      if (member.settled) return;
      member.settled = true;
      resolve(value);
    },
    reject(err) {
      if (member.settled) return;
      member.settled = true;
      reject(err);
    },
  };
  return member;
}

/** Runs the operation; whoever it left unanswered learns why. */
async function runOperation<I, O>(
  operation: GroupOperation<I, O>,
  group: Waiting<I, O>[],
): Promise<void> {
  let failure: Error | null = null;
  try {
    await operation(group);
  } catch (err) {
    failure = asError(err);
  }
  const unanswered = group.filter((member) => !member.settled);
  // Built only when needed: an Error's stack trace costs more than the check.
  if (unanswered.length === 0) return;
  const reason = failure ?? new Error('the grouped operation left a caller unanswered');
  for (const member of unanswered) member.reject(reason);
}

/**
 * An operation of one command per distinct key in the group (a counter, an
 * account): `run` answers the members that share a key, side by side with
 * the other keys; an error it throws goes to those members only.
 */
export function perKey<I, O>(
  keyOf: (input: I) => string,
  run: (key: string, members: GroupMember<I, O>[]) => Promise<void>,
): GroupOperation<I, O> {
  return async (group) => {
    const byKey = new Map<string, GroupMember<I, O>[]>();
    for (const member of group) {
      const key = keyOf(member.input);
      const members = byKey.get(key);
      if (members === undefined) byKey.set(key, [member]);
      else members.push(member);
    }
    await Promise.all(
      [...byKey].map(async ([key, members]) => {
        try {
          await run(key, members);
        } catch (err) {
          const failure = asError(err);
          for (const member of members) member.reject(failure);
        }
      }),
    );
  };
}
