/**
 * What a stop signal does, as a small state machine main.ts wires to
 * SIGTERM/SIGINT. The first signal starts a graceful shutdown. Supervisors
 * often send the same signal twice in quick succession (`timeout`, systemd's
 * KillMode, a double Ctrl+C in a terminal that forwards to the process
 * group), so a repeat inside the window is ignored; one after it means the
 * operator really wants out, and forces the exit.
 */
export const REPEATED_SIGNAL_WINDOW_MS = 3000;

export interface SignalPolicy {
  /** Clock in ms (injected in tests). */
  now: () => number;
  /** The first signal: begin the graceful shutdown. */
  onShutdown: (signal: NodeJS.Signals) => void;
  /** A repeat inside the window: nothing happens beyond a note. */
  onIgnored: (signal: NodeJS.Signals) => void;
  /** A signal after the window while still shutting down: exit now. */
  onForce: (signal: NodeJS.Signals) => void;
  windowMs?: number;
}

export function createSignalHandler(policy: SignalPolicy): (signal: NodeJS.Signals) => void {
  const windowMs = policy.windowMs ?? REPEATED_SIGNAL_WINDOW_MS;
  let firstAt: number | null = null;
  return (signal) => {
    const now = policy.now();
    if (firstAt === null) {
      firstAt = now;
      policy.onShutdown(signal);
    } else if (now - firstAt < windowMs) {
      policy.onIgnored(signal);
    } else {
      policy.onForce(signal);
    }
  };
}
