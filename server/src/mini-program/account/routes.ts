import { API_ROUTES } from '@wxlink/contracts';
import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { authOf, requireSession } from '../../http/auth';
import { installFollowerGapSampler } from '../../operator/unionid-gap';
import { deleteAccount } from './delete-account';

/** DELETE /me (注销 the account). */
export function createAccountRouter(deps: AppDeps): Router {
  // The unionid-gap gauge needs the database; this factory runs once per app
  // with live deps. (Belongs in compose.ts once the layout settles.)
  installFollowerGapSampler(deps);
  const router = Router();
  router.delete('/me', requireSession(deps), async (_req, res) => {
    await deleteAccount(deps, authOf(res).user);
    res.status(API_ROUTES.deleteAccount.status).end();
  });
  return router;
}
