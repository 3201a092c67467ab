import { ERROR_STATUS, isErrorCode, type ErrorCode } from '@wxlink/contracts';

/**
 * Failures that never reach an HTTP client as such: the background work and
 * the commands classify them, and the HTTP layer answers 500 INTERNAL if one
 * escapes a request. Closed, like the contracts' ErrorCode.
 */
export const INTERNAL_ERROR_CODES = [
  /** A compare-and-set write kept losing to concurrent writers (retryConflicts gave up). */
  'WRITE_CONFLICT',
  /** A lease this work held was taken over by another holder (it stalled past its expiry). */
  'LEASE_LOST',
  /** A bad command line (the commands print usage and exit 2). */
  'USAGE',
  /** Configuration is missing or malformed (start-up exits with one line per problem). */
  'CONFIGURATION_INVALID',
  /** An awaited operation did not settle in time. */
  'TIMEOUT',
  /** An operator command was asked for something that cannot be done (e.g. replay a live item). */
  'INVALID_REQUEST',
] as const;

export type InternalErrorCode = (typeof INTERNAL_ERROR_CODES)[number];

/** Every code an AppError may carry. */
export type AppErrorCode = ErrorCode | InternalErrorCode;

export interface AppErrorOptions {
  /** The failure this one classifies (a WeChat call, a database error): kept for the log. */
  cause?: unknown;
  /** Safe, structured facts for the log (never secrets, never user data). */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The one base error of the server. `code` is stable: HTTP maps product codes
 * to responses (ERROR_STATUS), background work and commands switch on it.
 * `message` is written for whoever sees the code: the mini-program user for
 * product codes, the operator for internal ones.
 */
export class AppError<C extends AppErrorCode = AppErrorCode> extends Error {
  override readonly name: string = 'AppError';
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    readonly code: C,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details;
  }

  /** The HTTP status for a product code; 500 for an internal one. */
  get status(): number {
    return isErrorCode(this.code) ? ERROR_STATUS[this.code] : 500;
  }
}

/** Narrows to an AppError carrying `code`. */
export function hasErrorCode<C extends AppErrorCode>(err: unknown, code: C): err is AppError<C> {
  return err instanceof AppError && err.code === code;
}

/** `err` as an Error: itself, or a thrown non-Error wrapped (its string form as message). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** One line for logs and dead letters: the error and its causes, without stack traces. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(
        `${current.name}${typeof code === 'string' ? ` ${code}` : ''}: ${current.message}`,
      );
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : (JSON.stringify(current) ?? 'unknown'));
      break;
    }
  }
  return parts.join(' <- ');
}
