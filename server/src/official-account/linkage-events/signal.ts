/**
 * In-process wake-up of the linkage-event delivery after an event is stored,
 * keyed by the outbox model (two app instances in one test process only wake
 * their own). Other instances find the work by polling.
 */
type Listener = () => void;

const listeners = new WeakMap<object, Set<Listener>>();

/** Registers a listener; returns its removal. */
export function onOutboxWrite(model: object, listener: Listener): () => void {
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

/** Wakes this process's deliverers of `model`. */
export function signalOutboxWrite(model: object): void {
  for (const listener of listeners.get(model) ?? []) listener();
}
