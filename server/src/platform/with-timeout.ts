import { AppError, asError } from './errors';

/** The awaited work did not settle in time (it may still finish later; its result is dropped). */
export class TimeoutError extends AppError<'TIMEOUT'> {
  override readonly name = 'TimeoutError';
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

/**
 * Races a promise against a timer. Used where an answer must go out on time
 * whatever the database does: the push intake (WeChat gives up after 5 s) and
 * the readiness probe.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(asError(err));
      },
    );
  });
}
