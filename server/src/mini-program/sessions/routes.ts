import { API_ROUTES, type ApiRequest } from '@wxlink/contracts';
import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AppDeps } from '../../deps';
import { authOf, requireSession } from '../../http/auth';
import { AppError } from '../../platform/errors';
import { MongoRateLimitStore } from '../../http/rate-limit-store';
import { jsonRequest } from '../../http/validate';
import { login, revokeSession } from './sessions';

/** POST /sessions (login) and DELETE /sessions/current (logout). */
export function createSessionsRouter(deps: AppDeps): Router {
  const router = Router();
  const loginLimiter = rateLimit({
    windowMs: 60_000,
    limit: deps.config.loginRateLimitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new MongoRateLimitStore(deps.models.RateLimitCounter, deps.clock, 'login:'),
    handler: (_req, _res, next) => {
      next(new AppError('RATE_LIMITED', 'Too many login attempts; try again in a minute'));
    },
  });

  // Validation first: garbage never reaches the counter store or WeChat.
  router.post(
    '/sessions',
    ...jsonRequest(API_ROUTES.createSession.request),
    loginLimiter,
    async (req, res) => {
      const body = req.body as ApiRequest<'createSession'>;
      const result = await login(deps, {
        code: body.code,
        ip: req.ip ?? null,
        userAgent: req.get('user-agent') ?? null,
      });
      res.status(API_ROUTES.createSession.status).json(result);
    },
  );

  router.delete('/sessions/current', requireSession(deps), async (_req, res) => {
    await revokeSession(deps, authOf(res).session);
    res.status(API_ROUTES.deleteSession.status).end();
  });
  return router;
}
