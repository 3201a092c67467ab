/**
 * In-process wake-up between event intake and the inbox processor: a push
 * stored by this instance is processed right away instead of at the next poll.
 * Keyed by the inbox model, so two app instances in one process (tests) only
 * wake their own processors. Other instances find the work by polling.
 */
type Listener = () => void;

const listeners = new WeakMap<object, Set<Listener>>();

export function onInboxWrite(inboxModel: object, listener: Listener): () => void {
  let set = listeners.get(inboxModel);
  if (set === undefined) {
    set = new Set();
    listeners.set(inboxModel, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

export function signalInboxWrite(inboxModel: object): void {
  for (const listener of listeners.get(inboxModel) ?? []) listener();
}
