/**
 * Sleep that another part of the process can cut short: the inbox processor's
 * and the linkage delivery's loops sleep between polls, and a write by this
 * instance (write-signal.ts) wakes them.
 * A wake-up that finds no sleeper is remembered, so the next sleep returns at
 * once: a push stored while every loop is busy is never left for the poll.
 */
export class WakeUp {
  private sleepers: (() => void)[] = [];
  private pending = false;

  /** Wakes every sleeper now, or the next one to sleep. */
  nudge(): void {
    const waiting = this.sleepers;
    this.sleepers = [];
    if (waiting.length === 0) this.pending = true;
    for (const resolve of waiting) resolve();
  }

  /** Resolves after `ms`, or at the next nudge, whichever comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.pending) {
        this.pending = false;
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers = this.sleepers.filter((r) => r !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.push(done);
    });
  }
}
