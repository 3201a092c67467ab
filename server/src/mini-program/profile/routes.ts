import { API_ROUTES, type ApiRequest } from '@wxlink/contracts';
import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import type { AppDeps } from '../../deps';
import { bindRequestContext } from '../../platform/logger';
import { authOf, requireSession } from '../../http/auth';
import { AppError } from '../../platform/errors';
import { jsonRequest } from '../../http/validate';
import type { User } from '../users/user.model';
import { AVATAR_MAX_BYTES, storeAvatar } from './avatar';
import { bindPhone } from './phone';
import { authorizeProfile, updateProfile } from './profile';
import {
  getSubscriptionView,
  listSubscriptionViews,
} from '../../official-account/followers/subscription';
import { toUserView } from '../users/user-view';

/** The multipart field wx.uploadFile must use (`name: 'file'`). */
export const AVATAR_FIELD = 'file';

/** Routes of the logged-in user under /me. */
export function createMeRouter(deps: AppDeps): Router {
  const router = Router();
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

  router.post('/me/avatar', auth, avatarUpload(), bindRequestContext, async (req, res) => {
    if (!req.file) {
      throw new AppError(
        'VALIDATION_FAILED',
        `${AVATAR_FIELD}: a multipart image file is required`,
      );
    }
    const result = await storeAvatar(deps, authOf(res).user._id, req.file.buffer);
    res.status(API_ROUTES.uploadAvatar.status).json(result);
  });

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

/**
 * One file in memory, size-capped (LIMIT_FILE_SIZE → 413 in the error
 * handler). Malformed multipart bodies (busboy errors carry no code) become
 * 400 here instead of 500.
 */
function avatarUpload(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: AVATAR_MAX_BYTES, files: 1, fields: 8, fieldSize: 1024, parts: 10 },
  }).single(AVATAR_FIELD);
  return (req, res, next) => {
    upload(req, res, (err: unknown) => {
      if (err === undefined || err === null) return next();
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('LIMIT_')) return next(err);
      next(new AppError('VALIDATION_FAILED', 'The upload is not a well-formed multipart body'));
    });
  };
}
