/**
 * Counts the database commands a benchmark target sends, on the wire: the
 * writes on its own client sockets to the database's host ports.
 *
 * Why on the wire: the driver's command monitoring (`monitorCommands`) costs
 * the monitored process work per command, which the CPU figure would then
 * charge, most to the target that sends the most commands; and the embedded
 * server has no `serverStatus` to read counters from. One socket write is one
 * command: the driver writes each OP_MSG with one `write` (mongodb
 * cmap/connection.js, writeCommand), and the counting here is one increment
 * per write on the database's sockets only. The driver's monitors share the
 * count (one `hello` per 10 s each): a fraction of a command in a measured
 * window.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/** Node's channel for every client socket created (`net.connect`). */
const CLIENT_SOCKETS = 'net.client.socket';

/**
 * The ports of a `mongodb://` URI's host list (27017 where a host names
 * none); null where writes cannot be counted: `mongodb+srv://` (hosts from
 * DNS, TLS by default) and `tls=true`/`ssl=true` (the driver writes to a TLS
 * socket, whose records are no command count).
 */
export function databasePorts(uri: string): number[] | null {
  if (/[?&](?:tls|ssl)=true(?:&|$)/i.test(uri)) return null;
  const match = /^mongodb:\/\/(?:[^@/]*@)?([^/?#]+)/.exec(uri);
  if (!match?.[1]) return null;
  return match[1].split(',').map((host) => {
    // `h:1`, `[::1]:1`; a bare `[::1]` ends in `]`, so takes the default.
    const port = /:(\d+)$/.exec(host);
    return port?.[1] ? Number(port[1]) : 27017;
  });
}

/** A running count of the commands this process sends to the database. */
export interface DbCommandCounter {
  /** Commands sent since the counter started. */
  read(): number;
  /** Stops counting new connections. */
  stop(): void;
}

/**
 * Counts writes on every client socket this process opens from now on to one
 * of `ports` (only connections made after the call are seen: start it before
 * the target connects).
 */
export function countDatabaseCommands(ports: readonly number[]): DbCommandCounter {
  const watched = new Set(ports);
  let count = 0;
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket?: Socket }).socket;
    socket?.once('connect', () => {
      if (socket.remotePort === undefined || !watched.has(socket.remotePort)) return;
      const write = socket.write.bind(socket);
      // An own property shadows Socket.prototype.write for this socket only.
      socket.write = ((...args: Parameters<Socket['write']>): boolean => {
        count += 1;
        return write(...args);
      }) as Socket['write'];
    });
  };
  subscribe(CLIENT_SOCKETS, onSocket);
  return {
    read: () => count,
    stop: () => unsubscribe(CLIENT_SOCKETS, onSocket),
  };
}

/**
 * A consistency check for a row whose code sends at least `leastPerOp`
 * commands per operation (a floor's one write): a lower count means the
 * counting is broken, and says so. Null when it holds or was not counted.
 */
export function tooFewCommands(
  name: string,
  measurement: { dbCommandsPerOp?: number },
  leastPerOp: number,
): string | null {
  const counted = measurement.dbCommandsPerOp;
  if (counted === undefined || counted >= leastPerOp) return null;
  return `${name}: ${counted.toFixed(2)} database commands per operation counted, but it sends at least ${leastPerOp}`;
}
