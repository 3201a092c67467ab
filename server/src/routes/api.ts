import { Router } from 'express';
import type { AppDeps } from '../deps';

/** Mini-program API under /api/v1 (owned by the sessions/profile work). */
export function createApiRouter(_deps: AppDeps): Router {
  return Router();
}
