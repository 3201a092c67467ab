/**
 * A tiny request/response protocol over the IPC channel of a forked child.
 * Benchmarked code runs in its own process so its CPU time and RSS are its
 * own, not the load generator's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { takeGuardViolations } from '@wxlink/testkit';
import { Meter, type MeterReading } from './meter';

interface RpcRequest {
  id: number;
  cmd: string;
  payload: unknown;
}

interface RpcReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export type RpcHandlers = Record<string, (payload: unknown) => unknown>;

function isRequest(value: unknown): value is RpcRequest {
  const v = value as Partial<RpcRequest> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.id === 'number' && typeof v.cmd === 'string'
  );
}

function isReply(value: unknown): value is RpcReply {
  const v = value as Partial<RpcReply> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.id === 'number' && typeof v.ok === 'boolean'
  );
}

/**
 * Child side. Adds `measure-start` / `measure-stop` (a Meter over this
 * process), `guard-violations` (the MongoDB guard's record in this process,
 * taken) and `shutdown` (runs `onShutdown`, then exits) to the handlers.
 */
export function serveRpc(handlers: RpcHandlers, onShutdown?: () => Promise<void>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this script is a benchmark child: start it with child_process.fork');
  const meter = new Meter();
  const all: RpcHandlers = {
    ...handlers,
    'measure-start': () => meter.start(),
    'measure-stop': (): MeterReading => meter.stop(),
    'guard-violations': (): string[] => takeGuardViolations().map((v) => v.message),
    shutdown: async () => {
      await onShutdown?.();
      setImmediate(() => process.exit(0));
    },
  };
  process.on('message', (message: unknown) => {
    if (!isRequest(message)) return;
    const handler = all[message.cmd];
    const reply = (r: Omit<RpcReply, 'id'>): void => {
      send({ id: message.id, ...r });
    };
    if (!handler) {
      reply({ ok: false, error: `unknown command ${message.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.payload))
      .then(
        (result) => reply({ ok: true, result }),
        (error: unknown) =>
          reply({ ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
  });
  // The parent going away must never leave a server running.
  process.on('disconnect', () => process.exit(0));
}

export interface ChildHandle {
  call<T>(cmd: string, payload?: unknown): Promise<T>;
  measureStart(): Promise<void>;
  measureStop(): Promise<MeterReading>;
  /**
   * Rejects when the MongoDB guard (WXLINK_DB_GUARD) recorded a write in the
   * child that MongoDB would refuse, even one the code under test swallowed.
   */
  assertClean(): Promise<void>;
  /** Asks the child to shut down, then kills it if it has not exited within 5 s. */
  stop(): Promise<void>;
}

export class ChildError extends Error {
  override readonly name = 'ChildError';
}

/** Forks `script` (a compiled JS file) and returns an RPC handle once it is connected. */
export function forkChild(
  script: string,
  options: { execArgv?: readonly string[] } = {},
): ChildHandle {
  const child: ChildProcess = fork(script, [], {
    execArgv: [...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited: Error | undefined;
  child.on('message', (message: unknown) => {
    if (!isReply(message)) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new ChildError(message.error ?? 'child failed'));
  });
  child.on('exit', (code, signal) => {
    exited = new ChildError(
      `benchmark child exited (code ${String(code)}, signal ${String(signal)})`,
    );
    for (const waiter of pending.values()) waiter.reject(exited);
    pending.clear();
  });
  const call = <T>(cmd: string, payload?: unknown): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: (v) => resolve(v as T), reject });
      child.send({ id, cmd, payload } satisfies RpcRequest);
    });
  };
  return {
    call,
    measureStart: () => call<void>('measure-start'),
    measureStop: () => call<MeterReading>('measure-stop'),
    assertClean: async () => {
      const violations = await call<string[]>('guard-violations');
      if (violations.length > 0) {
        throw new ChildError(`MongoDB guard violations in the child: ${violations.join('; ')}`);
      }
    },
    stop: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await call('shutdown').catch(() => undefined);
      await gone;
      clearTimeout(force);
    },
  };
}
