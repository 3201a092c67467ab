import { API_ROUTES, type ApiRequest } from '@wxlink/contracts';
import type { Router } from 'express';
import { type Request, type RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { AppDeps } from '../../deps';
import { authOf, requireSession } from '../../http/auth';
import { AppError } from '../../platform/errors';
import { MongoRateLimitStore } from '../../http/rate-limit-store';
import { jsonRequest } from '../../http/validate';
import { login, revokeSession } from './sessions';
import { exactRouter } from '../../http/router';

const LOGIN_WINDOW_MS = 60_000;

/**
 * POST /sessions (login) and DELETE /sessions/current (logout).
 *
 * Two limits per client IP, both in the shared MongoDB store so every
 * instance counts together:
 * - every login attempt, LOGIN_RATE_LIMIT_PER_MINUTE (high: a campus Wi-Fi or
 *   a carrier NAT puts hundreds of users behind one address);
 * - failed logins (WECHAT_CODE_INVALID), LOGIN_FAILURE_LIMIT_PER_MINUTE (low).
 *   Only failures are counted, so any number of good logins never spends it;
 *   once spent, that IP's logins get 429 until the minute ends. A code cannot
 *   be known bad before WeChat is asked, so the refusal applies to every
 *   attempt from that IP, good codes included: a client replaying bad codes
 *   delays its neighbours by at most the rest of the window (they retry after
 *   Retry-After), instead of spending WeChat's code2Session quota.
 */
export function createSessionsRouter(deps: AppDeps): Router {
  const router = exactRouter();
  const failures = loginFailureBudget(deps);

  // Validation first: garbage never reaches the counter store or WeChat.
  router.post(
    '/sessions',
    ...jsonRequest(API_ROUTES.createSession.request),
    // Both per-IP checks at once: one database round trip, not two.
    concurrently(loginLimiter(deps), failures.guard),
    async (req, res) => {
      const body = req.body as ApiRequest<'createSession'>;
      const result = await failures.counting(req, () =>
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

/**
 * Runs two middlewares side by side and continues once both have; the first
 * error wins. Only for middlewares that never answer the request themselves
 * (both here hand their refusal to next()).
 */
function concurrently(a: RequestHandler, b: RequestHandler): RequestHandler {
  return (req, res, next) => {
    let pending = 2;
    let failure: unknown;
    const done = (err?: unknown): void => {
      if (err !== undefined && err !== null && failure === undefined) failure = err;
      if (--pending === 0) next(failure);
    };
    // Express 5 turns a rejected middleware promise into next(err); do the same.
    for (const middleware of [a, b]) {
      Promise.resolve(middleware(req, res, done)).catch(done);
    }
  };
}

/** The per-IP cap on all login attempts. */
function loginLimiter(deps: AppDeps): RequestHandler {
  return rateLimit({
    windowMs: LOGIN_WINDOW_MS,
    limit: deps.config.loginRateLimitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new MongoRateLimitStore(deps.models.RateLimitCounter, deps.clock, 'login:'),
    handler: (_req, _res, next) => {
      next(new AppError('RATE_LIMITED', 'Too many login attempts; try again in a minute'));
    },
  });
}

/** The client key, as express-rate-limit makes it (an IPv6 client is its /56). */
function clientKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? 'unknown');
}

/**
 * The per-IP budget of failed logins: `guard` refuses when it is spent (a
 * read, no write), `counting` spends one unit when a login fails with
 * WECHAT_CODE_INVALID. Concurrent attempts all pass the guard before their
 * failures land, so a burst can overshoot by its own size, once.
 */
function loginFailureBudget(deps: AppDeps): {
  guard: RequestHandler;
  counting<T>(req: Request, attempt: () => Promise<T>): Promise<T>;
} {
  const limit = deps.config.limits.loginFailuresPerMinute;
  const store = new MongoRateLimitStore(
    deps.models.RateLimitCounter,
    deps.clock,
    'login-failed:',
    LOGIN_WINDOW_MS,
  );
  const guard: RequestHandler = async (req, res, next) => {
    const spent = await store.get(clientKey(req));
    if (spent !== undefined && spent.totalHits >= limit) {
      const waitMs = (spent.resetTime?.getTime() ?? 0) - deps.clock.now().getTime();
      res.set('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
      throw new AppError(
        'RATE_LIMITED',
        'Too many failed logins from this network; try again in a minute',
      );
    }
    next();
  };
  const counting = async <T>(req: Request, attempt: () => Promise<T>): Promise<T> => {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof AppError && err.code === 'WECHAT_CODE_INVALID') {
        await store.increment(clientKey(req));
      }
      throw err;
    }
  };
  return { guard, counting };
}
