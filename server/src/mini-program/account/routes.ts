import { API_ROUTES } from '@wxlink/contracts';
import type { Router } from 'express';
import type { AppDeps } from '../../deps';
import { authOf, requireSession } from '../../http/auth';
import { deleteAccount } from './delete-account';
import { exactRouter } from '../../http/router';

/** DELETE /me (注销 the account). */
export function createAccountRouter(deps: AppDeps): Router {
  const router = exactRouter();
  router.delete('/me', requireSession(deps), async (_req, res) => {
    await deleteAccount(deps, authOf(res).user);
    res.status(API_ROUTES.deleteAccount.status).end();
  });
  return router;
}
