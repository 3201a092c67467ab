import type { Router } from 'express';
import { type RequestHandler } from 'express';
import type { AppDeps } from '../deps';
import { createAccountRouter } from './account/routes';
import { createAvatarsRouter } from './profile/avatar-routes';
import { createMeRouter } from './profile/routes';
import { createSessionsRouter } from './sessions/routes';
import { exactRouter } from '../http/router';

/** Mini-program API under /api/v1. */
export function createApiRouter(deps: AppDeps): Router {
  const router = exactRouter();
  router.use(noStore);
  // JSON bodies are parsed per route (http/json-body.ts), so an unknown
  // route is a 404 whatever its body; jsonBody() re-enters the request context.
  router.use(createSessionsRouter(deps));
  router.use(createMeRouter(deps));
  router.use(createAvatarsRouter(deps));
  router.use(createAccountRouter(deps));
  return router;
}

/**
 * Answers of this API carry tokens and users: no cache (browser, proxy, CDN)
 * may keep them. Routes serving public content (GET /avatars/:id) set their
 * own Cache-Control, which replaces this one.
 */
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};
