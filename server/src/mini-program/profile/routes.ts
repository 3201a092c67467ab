import { API_ROUTES, type ApiRequest } from '@wxlink/contracts';
import type { Router } from 'express';
import { type RequestHandler } from 'express';
import type { AppDeps } from '../../deps';
import { authOf, requireSession } from '../../http/auth';
import { jsonRequest } from '../../http/validate';
import type { User } from '../users/user.model';
import { bindPhone } from './phone';
import { authorizeProfile, updateProfile } from './profile';
import {
  getSubscriptionView,
  listSubscriptionViews,
} from '../../official-account/followers/subscription';
import { toUserView } from '../users/user-view';
import { exactRouter } from '../../http/router';

/** Routes of the logged-in user under /me. */
export function createMeRouter(deps: AppDeps): Router {
  const router = exactRouter();
  const auth = requireSession(deps);

  router.get('/me', auth, async (_req, res) => {
    res.json(await toUserView(deps, authOf(res).user));
  });

  /**
   * A JSON route that changes the user and answers the updated user. The body
   * is validated before the session lookup (no database call for garbage).
   */
  const userUpdate = <N extends 'authorizeProfile' | 'updateProfile' | 'bindPhone'>(
    name: N,
    apply: (user: User, body: ApiRequest<N>) => Promise<User>,
  ): RequestHandler[] => [
    ...jsonRequest(API_ROUTES[name].request),
    auth,
    async (req, res) => {
      const user = await apply(authOf(res).user, req.body as ApiRequest<N>);
      res.json(await toUserView(deps, user));
    },
  ];

  router.post(
    '/me/profile',
    userUpdate('authorizeProfile', (user, body) => authorizeProfile(deps, user, body)),
  );
  router.put(
    '/me/profile',
    userUpdate('updateProfile', (user, body) => updateProfile(deps, user, body)),
  );

  router.post(
    '/me/phone',
    userUpdate('bindPhone', (user, body) => bindPhone(deps, user, body.code)),
  );

  router.get('/me/subscription', auth, async (_req, res) => {
    res.json(await getSubscriptionView(deps, authOf(res).user));
  });

  router.get('/me/subscriptions', auth, async (_req, res) => {
    res.json({ subscriptions: await listSubscriptionViews(deps, authOf(res).user) });
  });
  return router;
}
