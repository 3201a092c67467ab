import type { ClientRateLimitInfo } from 'express-rate-limit';
import type { Clock } from '../../deps';
import { MongoRateLimitStore } from '../../http/rate-limit-store';
import type { RateLimitCounter, RateLimitCounterModel } from '../../http/rate-limit.model';

/** The two per-IP login budgets, per window. */
export interface LoginBudgets {
  /** Every attempt (LOGIN_RATE_LIMIT_PER_MINUTE). */
  attempts: number;
  /** Failed attempts (LOGIN_FAILURE_LIMIT_PER_MINUTE). */
  failures: number;
}

/**
 * The login's per-IP counter: attempts and failures in one document per IP
 * and window, so one `$inc` both counts the attempt and reads whether the
 * failure budget is spent (one database command per login, not two).
 *
 * express-rate-limit sees a window whose failure budget is spent as one over
 * its attempt limit, and refuses with its usual 429, RateLimit headers and
 * Retry-After until the window ends. Successful logins only ever spend
 * `attempts`; `recordFailure` spends `failures`.
 */
export class LoginAttemptStore extends MongoRateLimitStore {
  constructor(
    model: RateLimitCounterModel,
    clock: Clock,
    private readonly budgets: LoginBudgets,
    windowMs: number,
  ) {
    super(model, clock, 'login:', windowMs);
  }

  protected override infoOf(counter: RateLimitCounter): ClientRateLimitInfo {
    return {
      totalHits: attemptsSeen(counter, this.budgets),
      resetTime: counter.resetAt,
    };
  }

  /**
   * Spends one unit of `key`'s failure budget. The attempt itself was
   * counted by the limiter before WeChat was asked, so its window is live;
   * should it have lapsed meanwhile, the failure opens the next window and
   * counts its attempt there too (hits 1).
   */
  async recordFailure(key: string): Promise<void> {
    await this.countInWindow(key, { failures: 1 }, { hits: 1, failures: 1 });
  }
}

/**
 * The attempts express-rate-limit is told about: the real count, or one past
 * the attempt limit once the failure budget is spent (pure).
 */
export function attemptsSeen(
  counter: Pick<RateLimitCounter, 'hits' | 'failures'>,
  budgets: LoginBudgets,
): number {
  const failuresSpent = (counter.failures ?? 0) >= budgets.failures;
  return failuresSpent ? Math.max(counter.hits, budgets.attempts + 1) : counter.hits;
}
