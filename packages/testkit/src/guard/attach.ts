/**
 * Wires the rules to a live MongoClient through the driver's command
 * monitoring: every `commandStarted` event of a write command is checked
 * before the command leaves the process.
 */
import { checkCommand, GUARDED_COMMANDS } from './command-rules';
import { recordViolations } from './registry';
import { MongoGuardError } from './violation';

/**
 * - `throw`: the offending write rejects with a MongoGuardError and is never sent.
 * - `log`: the write goes through; each violation is logged.
 * - `off`: nothing is checked.
 * Violations are recorded (see takeGuardViolations) in `throw` and `log` modes.
 */
export type MongoGuardMode = 'throw' | 'log' | 'off';

/** The environment variable that picks the mode. */
export const GUARD_ENV_VAR = 'WXLINK_DB_GUARD';

const MODES: readonly MongoGuardMode[] = ['throw', 'log', 'off'];

/**
 * The mode from `WXLINK_DB_GUARD`; when unset, `throw` under jest (which sets
 * NODE_ENV=test) and `off` elsewhere. An unknown value is a configuration error.
 */
export function mongoGuardMode(env: NodeJS.ProcessEnv = process.env): MongoGuardMode {
  const raw = env[GUARD_ENV_VAR]?.trim();
  if (raw === undefined || raw === '') return env.NODE_ENV === 'test' ? 'throw' : 'off';
  const mode = MODES.find((m) => m === raw.toLowerCase());
  if (!mode) throw new Error(`${GUARD_ENV_VAR} must be one of ${MODES.join(', ')}, got "${raw}"`);
  return mode;
}

/**
 * Client options the guard needs, to spread into `new MongoClient(uri, …)` or
 * `mongoose.createConnection(uri, …)`. The driver fixes `monitorCommands` when
 * the client is created, so it cannot be switched on afterwards.
 */
export function mongoGuardClientOptions(mode: MongoGuardMode): { monitorCommands?: true } {
  return mode === 'off' ? {} : { monitorCommands: true };
}

/** The part of a command-started event the guard reads (the driver's CommandStartedEvent). */
export interface CommandStartedLike {
  readonly commandName: string;
  readonly databaseName: string;
  readonly command: Record<string, unknown>;
}

/** The part of a MongoClient the guard needs (`mongooseConnection.getClient()` is one). */
export interface CommandMonitoredClient {
  readonly options: { readonly monitorCommands?: boolean };
  on(event: 'commandStarted', listener: (event: CommandStartedLike) => void): unknown;
  off(event: 'commandStarted', listener: (event: CommandStartedLike) => void): unknown;
}

export interface MongoGuardOptions {
  /** Defaults to mongoGuardMode(process.env). */
  mode?: MongoGuardMode;
  /** Where `log` mode writes each violation's message. Defaults to console.warn. */
  log?: (message: string) => void;
}

/** A guard attached to one client. */
export interface MongoGuard {
  readonly mode: MongoGuardMode;
  /** Stops checking this client's commands. Idempotent. */
  detach(): void;
}

/**
 * Checks every write command `client` sends against MongoDB's rules (see the
 * testkit README). In `throw` mode the listener throws inside the driver's
 * synchronous `commandStarted` emit, which happens before the command is
 * written to the socket: the operation rejects with MongoGuardError and the
 * database never sees the write (verified against mongodb 7.x in the tests).
 */
export function attachMongoGuard(
  client: CommandMonitoredClient,
  options: MongoGuardOptions = {},
): MongoGuard {
  const mode = options.mode ?? mongoGuardMode();
  if (mode === 'off') return { mode, detach: () => undefined };
  if (client.options.monitorCommands !== true) {
    throw new Error(
      'attachMongoGuard: the client was created without monitorCommands: true; ' +
        'spread mongoGuardClientOptions(mode) into its options (it cannot be switched on later)',
    );
  }
  const log = options.log ?? ((message: string) => console.warn(message));
  const listener = (event: CommandStartedLike): void => {
    if (!GUARDED_COMMANDS.has(event.commandName)) return;
    const violations = checkCommand(event.commandName, event.command, event.databaseName);
    if (violations.length === 0) return;
    recordViolations(violations);
    if (mode === 'throw') throw new MongoGuardError(violations);
    for (const violation of violations) log(violation.message);
  };
  client.on('commandStarted', listener);
  let attached = true;
  return {
    mode,
    detach: () => {
      if (attached) client.off('commandStarted', listener);
      attached = false;
    },
  };
}
