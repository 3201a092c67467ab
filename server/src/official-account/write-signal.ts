/**
 * In-process wake-up between a writer and the loop that processes what it
 * wrote: a push stored by this instance wakes the inbox processor, a stored
 * linkage event wakes the delivery, instead of waiting for the next poll.
 * Keyed by the model written to, so each model's loops only hear their own
 * writes, and two app instances in one process (tests) only wake their own.
 * Other instances find the work by polling.
 */
type Listener = () => void;

const listeners = new WeakMap<object, Set<Listener>>();

/** Registers a listener for writes to `model`; returns its removal. */
export function onWrite(model: object, listener: Listener): () => void {
  let set = listeners.get(model);
  if (set === undefined) {
    set = new Set();
    listeners.set(model, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

/** Wakes this process's listeners for writes to `model`. */
export function signalWrite(model: object): void {
  for (const listener of listeners.get(model) ?? []) listener();
}
