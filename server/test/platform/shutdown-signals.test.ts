/** A repeated stop signal within 3 s is ignored; a later one forces the exit. */
import {
  createSignalHandler,
  REPEATED_SIGNAL_WINDOW_MS,
} from '../../src/platform/shutdown-signals';

describe('6. a repeated stop signal within 3 s is ignored', () => {
  function harness() {
    let now = 1_000_000;
    const calls: string[] = [];
    const handle = createSignalHandler({
      now: () => now,
      onShutdown: (s) => calls.push(`shutdown ${s}`),
      onIgnored: (s) => calls.push(`ignored ${s}`),
      onForce: (s) => calls.push(`force ${s}`),
    });
    return {
      calls,
      handle,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('SIGTERM twice within the window: one graceful shutdown, no forced exit', () => {
    const h = harness();
    h.handle('SIGTERM');
    h.advance(50);
    h.handle('SIGTERM');
    h.advance(REPEATED_SIGNAL_WINDOW_MS - 100);
    h.handle('SIGINT');
    expect(REPEATED_SIGNAL_WINDOW_MS).toBe(3000);
    expect(h.calls).toEqual(['shutdown SIGTERM', 'ignored SIGTERM', 'ignored SIGINT']);
  });

  it('a signal after the window forces the exit', () => {
    const h = harness();
    h.handle('SIGINT');
    h.advance(REPEATED_SIGNAL_WINDOW_MS);
    h.handle('SIGINT');
    expect(h.calls).toEqual(['shutdown SIGINT', 'force SIGINT']);
  });
});
