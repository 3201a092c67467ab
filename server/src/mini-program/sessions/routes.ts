import { API_ROUTES, type ApiRequest } from '@wxlink/contracts';
import type { Router } from 'express';
import { type Request, type RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { AppDeps } from '../../deps';
import { authOf, requireSession } from '../../http/auth';
import { AppError } from '../../platform/errors';
import { LoginAttemptStore } from './login-attempts';
import { jsonRequest } from '../../http/validate';
import { login, revokeSession } from './sessions';
import { exactRouter } from '../../http/router';

const LOGIN_WINDOW_MS = 60_000;

/**
 * POST /sessions (login) and DELETE /sessions/current (logout).
 *
 * Two limits per client IP, kept together in one counter document per IP
 * and window (a minute from the IP's first attempt) in the shared MongoDB store (login-attempts.ts), so every
 * instance counts together and one `$inc` checks both:
 * - every login attempt, LOGIN_RATE_LIMIT_PER_MINUTE (high: a campus Wi-Fi or
 *   a carrier NAT puts hundreds of users behind one address);
 * - failed logins (WECHAT_CODE_INVALID), LOGIN_FAILURE_LIMIT_PER_MINUTE (low).
 *   Only failures are counted, so any number of good logins never spends it;
 *   once spent, that IP's logins get 429 until its window ends. A code cannot
 *   be known bad before WeChat is asked, so the refusal applies to every
 *   attempt from that IP, good codes included: a client replaying bad codes
 *   delays its neighbours by at most the rest of the window (they retry after
 *   Retry-After), instead of spending WeChat's code2Session quota.
 *   Concurrent attempts all pass before their failures land, so a burst can
 *   overshoot by its own size, once.
 */
export function createSessionsRouter(deps: AppDeps): Router {
  const router = exactRouter();
  const attempts = new LoginAttemptStore(
    deps.models.RateLimitCounter,
    deps.clock,
    {
      attempts: deps.config.loginRateLimitPerMinute,
      failures: deps.config.limits.loginFailuresPerMinute,
    },
    LOGIN_WINDOW_MS,
  );

  // Validation first: garbage never reaches the counter store or WeChat.
  router.post(
    '/sessions',
    ...jsonRequest(API_ROUTES.createSession.request),
    loginLimiter(deps, attempts),
    async (req, res) => {
      const body = req.body as ApiRequest<'createSession'>;
      const result = await countingFailures(req, attempts, () =>
        login(deps, {
          code: body.code,
          ip: req.ip ?? null,
          userAgent: req.get('user-agent') ?? null,
        }),
      );
      res.status(API_ROUTES.createSession.status).json(result);
    },
  );

  router.delete('/sessions/current', requireSession(deps), async (_req, res) => {
    await revokeSession(deps, authOf(res).session);
    res.status(API_ROUTES.deleteSession.status).end();
  });
  return router;
}

/** The per-IP limiter over both budgets. */
function loginLimiter(deps: AppDeps, store: LoginAttemptStore): RequestHandler {
  return rateLimit({
    windowMs: LOGIN_WINDOW_MS,
    limit: deps.config.loginRateLimitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store,
    handler: (_req, _res, next) => {
      next(
        new AppError(
          'RATE_LIMITED',
          'Too many login attempts or failed logins from this network; try again in a minute',
        ),
      );
    },
  });
}

/** The client key, as express-rate-limit makes it (an IPv6 client is its /56). */
function clientKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? 'unknown');
}

/** Runs the login; a WECHAT_CODE_INVALID answer spends one unit of the IP's failure budget. */
async function countingFailures<T>(
  req: Request,
  store: LoginAttemptStore,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (err instanceof AppError && err.code === 'WECHAT_CODE_INVALID') {
      await store.recordFailure(clientKey(req));
    }
    throw err;
  }
}
