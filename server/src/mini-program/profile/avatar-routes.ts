import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { AppError } from '../../platform/errors';
import { openAvatar } from './avatar';

/**
 * GET /avatars/:id: public, like WeChat's own avatar URLs (an <image> tag
 * cannot send a bearer token). The content type is the one detected from the
 * bytes at upload, never the client's claim.
 */
export function createAvatarsRouter(deps: AppDeps): Router {
  const router = Router();
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
