/**
 * Deadlines on one interval (platform/deadline-watch.ts): each fires once,
 * no earlier than its length and at most an eighth later, a cancelled one
 * never, and no timer runs while none is pending.
 */
import { DeadlineWatch } from '../../src/platform/deadline-watch';

let now = 0;
beforeEach(() => {
  jest.useFakeTimers();
  now = 0;
});
afterEach(() => jest.useRealTimers());

/** Moves the injected clock and jest's timers together. */
function advance(ms: number): void {
  for (let i = 0; i < ms; i++) {
    now += 1;
    jest.advanceTimersByTime(1);
  }
}

test('a deadline fires once, between its length and an eighth later', () => {
  const watch = new DeadlineWatch(800, () => now);
  const fired: number[] = [];
  watch.start(() => fired.push(now));
  advance(799);
  expect(fired).toEqual([]);
  advance(300);
  expect(fired).toHaveLength(1);
  expect(fired[0]).toBeGreaterThanOrEqual(800);
  expect(fired[0]).toBeLessThanOrEqual(900);
});

test('each deadline keeps its own start', () => {
  const watch = new DeadlineWatch(800, () => now);
  const fired: string[] = [];
  watch.start(() => fired.push(`a@${now}`));
  advance(400);
  watch.start(() => fired.push(`b@${now}`));
  advance(500);
  expect(fired).toEqual(['a@800']);
  advance(400);
  expect(fired).toEqual(['a@800', 'b@1200']);
});

test('a cancelled deadline never fires', () => {
  const watch = new DeadlineWatch(80, () => now);
  const fired: string[] = [];
  const cancel = watch.start(() => fired.push('cancelled'));
  watch.start(() => fired.push('kept'));
  cancel();
  cancel();
  advance(200);
  expect(fired).toEqual(['kept']);
});

test('the timer runs only while deadlines are pending', () => {
  const watch = new DeadlineWatch(80, () => now);
  expect(jest.getTimerCount()).toBe(0);
  const cancel = watch.start(() => undefined);
  expect(jest.getTimerCount()).toBe(1);
  cancel();
  advance(20);
  expect(jest.getTimerCount()).toBe(0);
  watch.start(() => undefined);
  expect(jest.getTimerCount()).toBe(1);
  advance(200);
  expect(jest.getTimerCount()).toBe(0);
});
