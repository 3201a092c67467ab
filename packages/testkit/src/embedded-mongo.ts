import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** A MongoDB to use: either the one named by MONGODB_URI or an embedded jongodb process. */
export interface MongoHandle {
  /** Connection string. For the embedded server it points at database `test`; pick your own with `dbName`. */
  readonly uri: string;
  /** True when the URI came from MONGODB_URI (a real server we do not own). */
  readonly external: boolean;
  /** OS process id of the embedded server (undefined when external): lets fault tests SIGSTOP/SIGCONT it. */
  readonly pid: number | undefined;
  /** Stops the embedded server (no-op for an external one). Idempotent. */
  stop(): Promise<void>;
}

export interface StartMongoOptions {
  /** Environment to read MONGODB_URI from. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the embedded server to print its URI. */
  startTimeoutMs?: number;
  /** Path of the jongodb binary; defaults to the one from the npm package. */
  binaryPath?: string;
}

export class EmbeddedMongoError extends Error {
  override readonly name = 'EmbeddedMongoError';
  constructor(
    readonly code: 'BINARY_NOT_FOUND' | 'START_TIMEOUT' | 'EXITED',
    message: string,
  ) {
    super(message);
  }
}

const BINARY_PACKAGE = '@jongodb/memory-server-bin-linux-x64-gnu';

/** Locates the jongodb launcher shipped inside its npm package (an optional dependency: linux-x64 glibc only). */
function resolveJongodbBinary(): string {
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${BINARY_PACKAGE}/package.json`);
  } catch {
    throw new EmbeddedMongoError(
      'BINARY_NOT_FOUND',
      `${BINARY_PACKAGE} is not installed (it exists for linux-x64 glibc only); set MONGODB_URI to a real MongoDB instead`,
    );
  }
  const binary = path.join(path.dirname(pkgJson), 'bin', 'jongodb');
  if (!existsSync(binary)) {
    throw new EmbeddedMongoError('BINARY_NOT_FOUND', `jongodb binary missing at ${binary}`);
  }
  return binary;
}

/**
 * Returns MONGODB_URI when set, else starts the embedded jongodb server on a
 * free loopback port as a single-node replica set (so transactions work) and
 * returns its URI once it has printed `JONGODB_URI=`.
 */
export async function startEmbeddedMongo(options: StartMongoOptions = {}): Promise<MongoHandle> {
  const env = options.env ?? process.env;
  const external = env.MONGODB_URI?.trim();
  if (external) {
    return { uri: external, external: true, pid: undefined, stop: () => Promise.resolve() };
  }
  const binary = options.binaryPath ?? resolveJongodbBinary();
  const child = spawn(
    binary,
    [
      '--host=127.0.0.1',
      '--port=0',
      '--topology-profile=singleNodeReplicaSet',
      '--replica-set-name=rs0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const uri = withPolledMonitoring(await waitForUri(child, options.startTimeoutMs ?? 15_000));
  let stopped: Promise<void> | undefined;
  return {
    uri,
    external: false,
    pid: child.pid,
    stop: () => (stopped ??= stopChild(child)),
  };
}

/**
 * The driver's default streaming heartbeat (an exhaust `hello` cursor)
 * occasionally ends with "Server ended moreToCome unexpectedly" on the
 * embedded server when the machine is busy, and the driver then clears the
 * connection pool: every operation in flight fails. Polled heartbeats avoid
 * the exhaust protocol; a real MongoDB (MONGODB_URI) keeps its own setting.
 */
export function withPolledMonitoring(uri: string): string {
  const url = new URL(uri);
  if (!url.searchParams.has('serverMonitoringMode')) {
    url.searchParams.set('serverMonitoringMode', 'poll');
  }
  return url.toString();
}

function waitForUri(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new EmbeddedMongoError('START_TIMEOUT', `jongodb did not start within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /JONGODB_URI=(\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        // Keep draining so a chatty server never blocks on a full pipe.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new EmbeddedMongoError('EXITED', `jongodb failed to start: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new EmbeddedMongoError(
          'EXITED',
          `jongodb exited before it was ready (code ${String(code)}, signal ${String(signal)}): ${output.slice(-500)}`,
        ),
      );
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    // A paused (SIGSTOP) server would ignore SIGTERM until continued.
    child.kill('SIGCONT');
    child.kill('SIGTERM');
  });
}

/** A database name unique to one test file or run, since jongodb has no dropDatabase. */
export function uniqueDbName(prefix = 'test'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
