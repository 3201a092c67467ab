import { API_ROUTES, AVATAR_UPLOAD } from '@wxlink/contracts';
import type { Router } from 'express';
import { type RequestHandler, type Response } from 'express';
import multer from 'multer';
import type { AppDeps } from '../../deps';
import { authOf, requireSession } from '../../http/auth';
import { MongoRateLimitStore } from '../../http/rate-limit-store';
import { AppError } from '../../platform/errors';
import { bindRequestContext } from '../../platform/logger';
import { discardAvatarOfDeletedUser } from '../account/delete-account';
import { avatarTypeOf, openAvatar, storeAvatar } from './avatar';
import { exactRouter } from '../../http/router';

/**
 * POST /me/avatar (upload, per-user rate limit) and GET /avatars/:id:
 * public, like WeChat's own avatar URLs (an <image> tag cannot send a bearer
 * token). The content type is the one detected from the bytes at upload,
 * never the client's claim.
 */
export function createAvatarsRouter(deps: AppDeps): Router {
  const router = exactRouter();
  const admitUpload = uploadRateLimit(deps);

  router.post(
    '/me/avatar',
    requireSession(deps),
    avatarUpload(),
    bindRequestContext,
    async (req, res) => {
      if (!req.file) {
        throw new AppError(
          'VALIDATION_FAILED',
          `${AVATAR_UPLOAD.field}: a multipart image file is required`,
        );
      }
      const contentType = avatarTypeOf(req.file.buffer);
      await admitUpload(res);
      const result = await storeAvatar(deps, authOf(res).user, req.file.buffer, contentType);
      await discardAvatarOfDeletedUser(deps, authOf(res).user._id); // 注销 raced the upload
      res.status(API_ROUTES.uploadAvatar.status).json(result);
    },
  );

  router.get('/avatars/:id', async (req, res) => {
    const id = req.params.id.replace(/\.[A-Za-z0-9]{1,8}$/, '');
    const avatar = await openAvatar(deps, id);
    if (!avatar) throw new AppError('NOT_FOUND', 'No such avatar');
    res.setHeader('Content-Type', avatar.contentType);
    res.setHeader('Content-Length', String(avatar.length));
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    // Never rendered as a document, whatever a browser thinks of the bytes.
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    await new Promise<void>((resolve, reject) => {
      avatar.stream.on('error', reject);
      res.on('finish', resolve);
      res.on('close', resolve);
      avatar.stream.pipe(res);
    });
  });
  return router;
}

/**
 * AVATAR_UPLOAD_LIMIT_PER_MINUTE uploads per user, counted in the shared
 * store. Counted once the upload is a well-formed image (bounded by the body
 * size limit), so malformed input leaves nothing behind, not even a counter;
 * throws 429 RATE_LIMITED, with Retry-After, past the limit.
 */
function uploadRateLimit(deps: AppDeps): (res: Response) => Promise<void> {
  const store = new MongoRateLimitStore(
    deps.models.RateLimitCounter,
    deps.clock,
    'avatar-upload:',
    60_000,
  );
  return async (res) => {
    const userId = authOf(res).user._id.toHexString();
    const { allowed, retryAfterSeconds } = await store.spend(
      userId,
      deps.config.limits.avatarUploadsPerMinute,
    );
    if (!allowed) {
      res.set('Retry-After', String(retryAfterSeconds));
      throw new AppError('RATE_LIMITED', 'Too many avatar uploads; try again in a minute');
    }
  };
}

/**
 * One file in memory, size-capped (LIMIT_FILE_SIZE → 413 in the error
 * handler). Malformed multipart bodies (busboy errors carry no code) become
 * 400 here instead of 500.
 */
function avatarUpload(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: AVATAR_UPLOAD.maxBytes, files: 1, fields: 8, fieldSize: 1024, parts: 10 },
  }).single(AVATAR_UPLOAD.field);
  return (req, res, next) => {
    upload(req, res, (err: unknown) => {
      if (err === undefined || err === null) return next();
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('LIMIT_')) return next(err);
      next(new AppError('VALIDATION_FAILED', 'The upload is not a well-formed multipart body'));
    });
  };
}
