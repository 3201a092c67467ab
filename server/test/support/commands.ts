/**
 * Records the database commands a piece of work sends, through the driver's
 * command monitoring (the test connections have monitorCommands on: the
 * MongoDB guard needs it). For tests that count commands or round trips.
 */
import type { TestServer } from './harness';

/** One command as sent: its name, collection, body, and when it started and ended (event order). */
export interface RecordedCommand {
  name: string;
  collection: string;
  /** The command document as JSON (to tell which document it names). */
  body: string;
  startedAt: number;
  endedAt: number | null;
}

interface MonitorEvent {
  requestId: number;
  commandName: string;
  databaseName: string;
  command?: Record<string, unknown>;
}

/**
 * Starts recording the commands on the server's database that `keep`
 * accepts (background loops send their own); `stop()` returns them in the
 * order they started. Times are event counters, not clocks: two events can
 * share a millisecond.
 */
export function recordCommands(
  t: Pick<TestServer, 'deps' | 'dbName'>,
  keep: (command: {
    name: string;
    collection: string;
    document: Record<string, unknown>;
  }) => boolean,
): { stop(): RecordedCommand[] } {
  const client = t.deps.db.getClient();
  const byRequest = new Map<number, RecordedCommand>();
  let clock = 0;
  const started = (e: MonitorEvent): void => {
    if (e.databaseName !== t.dbName || e.command === undefined) return;
    const target = e.command[e.commandName];
    const collection = typeof target === 'string' ? target : '';
    if (!keep({ name: e.commandName, collection, document: e.command })) return;
    byRequest.set(e.requestId, {
      name: e.commandName,
      collection,
      body: JSON.stringify(e.command),
      startedAt: ++clock,
      endedAt: null,
    });
  };
  const ended = (e: MonitorEvent): void => {
    const command = byRequest.get(e.requestId);
    if (command) command.endedAt = ++clock;
  };
  client.on('commandStarted', started);
  client.on('commandSucceeded', ended);
  client.on('commandFailed', ended);
  return {
    stop() {
      client.off('commandStarted', started);
      client.off('commandSucceeded', ended);
      client.off('commandFailed', ended);
      return [...byRequest.values()].sort((a, b) => a.startedAt - b.startedAt);
    },
  };
}

/** The insert methods of a collection, as the insert batcher calls them. */
interface InsertMethods {
  insertOne(...args: never[]): Promise<unknown>;
  insertMany(...args: never[]): Promise<unknown>;
}

/**
 * Holds the first `count` insert commands on `collection` for `ms` before
 * sending them, so that inserts made meanwhile must wait for a slot and go
 * together (platform/insert-batcher.ts): grouping does not depend on how
 * fast the database answers. Undone by jest.restoreAllMocks().
 */
export function holdFirstInserts(collection: InsertMethods, count: number, ms: number): void {
  let held = 0;
  for (const method of ['insertOne', 'insertMany'] as const) {
    const original = collection[method].bind(collection) as (
      ...args: unknown[]
    ) => Promise<unknown>;
    jest.spyOn(collection, method).mockImplementation(async (...args: unknown[]) => {
      if (held++ < count) await new Promise((resolve) => setTimeout(resolve, ms));
      return await original(...args);
    });
  }
}
