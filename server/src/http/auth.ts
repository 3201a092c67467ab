import type { RequestHandler, Response } from 'express';
import type { AppDeps } from '../deps';
import { authenticate, type Authenticated } from '../mini-program/sessions/sessions';
import { bearerToken } from './bearer';
import { AppError } from '../platform/errors';

/** Bearer-token auth: missing, unknown, expired and revoked tokens are 401 SESSION_INVALID. */
export function requireSession(deps: Pick<AppDeps, 'models' | 'clock'>): RequestHandler {
  return async (req, res, next) => {
    res.locals.auth = await authenticate(deps, bearerToken(req.headers.authorization));
    next();
  };
}

/** The session resolved by requireSession for this request. */
export function authOf(res: Response): Authenticated {
  const auth = res.locals.auth as Authenticated | undefined;
  if (!auth) throw new AppError('SESSION_INVALID', 'Not authenticated');
  return auth;
}
