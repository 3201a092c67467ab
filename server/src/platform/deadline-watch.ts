/**
 * Many deadlines of one length, checked by one interval timer instead of a
 * timer each. A Node timer per request or per database command (create,
 * list insert, async-hooks bookkeeping, clear) cost more CPU on the login
 * path than the group commit it guarded (bench/README.md); a deadline here
 * is an entry in a Set.
 *
 * A deadline fires between `ms` and `ms + ms / CHECKS_PER_DEADLINE` after it
 * started: right for "give up on a hung database", not for precise timing.
 * The interval runs only while deadlines are pending (it stops at the first
 * check that finds none) and never keeps the process alive.
 */

/** How often per deadline length the pending deadlines are checked. */
const CHECKS_PER_DEADLINE = 8;

interface Pending {
  readonly due: number;
  readonly expire: () => void;
}

/** Cancels a deadline; later calls do nothing. */
export type CancelDeadline = () => void;

/** Deadlines of `ms` milliseconds (see the module comment). */
export class DeadlineWatch {
  private readonly pending = new Set<Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    /** Milliseconds on a monotonic clock (injectable for tests). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Calls `expire` once, about `ms` from now, unless cancelled first.
   * `expire` runs from a timer, so it must not throw.
   */
  start(expire: () => void): CancelDeadline {
    const entry: Pending = { due: this.now() + this.ms, expire };
    this.pending.add(entry);
    this.timer ??= this.startChecking();
    return () => {
      this.pending.delete(entry);
    };
  }

  private startChecking(): NodeJS.Timeout {
    const period = Math.max(1, Math.floor(this.ms / CHECKS_PER_DEADLINE));
    return setInterval(() => this.check(), period).unref();
  }

  private check(): void {
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = this.now();
    for (const entry of this.pending) {
      if (entry.due > now) continue;
      this.pending.delete(entry);
      entry.expire();
    }
  }
}
