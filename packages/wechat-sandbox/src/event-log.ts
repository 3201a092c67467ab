/**
 * A bounded, in-memory log of what the sandbox did, for the CLI (`log`) and
 * for debugging tests. Entries never contain secrets: no session keys, no
 * access tokens, no app secrets.
 */

export interface SandboxEvent {
  seq: number;
  /** Clock time in ms (the sandbox's injectable clock). */
  at: number;
  type: string;
  message: string;
}

/** Entries kept; older ones are dropped. */
const CAPACITY = 1000;

export class EventLog {
  private readonly entries: SandboxEvent[] = [];
  private seq = 0;

  constructor(private readonly now: () => number) {}

  add(type: string, message: string): void {
    this.seq += 1;
    this.entries.push({ seq: this.seq, at: this.now(), type, message });
    if (this.entries.length > CAPACITY) this.entries.shift();
  }

  /** Entries with `seq > since` (all when omitted), oldest first. */
  list(since = 0): SandboxEvent[] {
    return this.entries.filter((e) => e.seq > since).map((e) => ({ ...e }));
  }
}
