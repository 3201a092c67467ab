import { Router } from 'express';
import type { AppDeps } from '../deps';
import { completeOAuth, startOAuth } from '../services/oauth';
import { renderOAuthPage } from '../services/oauth-page';

/**
 * Web OAuth (snsapi_base), mounted under /wechat/official-account:
 *   GET /oauth?returnTo=/path   → 302 to WeChat's authorize page
 *   GET /oauth/callback         → subscription status (HTML, or JSON on Accept: application/json)
 */
export function createOAuthRouter(deps: AppDeps): Router {
  const router = Router();

  router.get('/oauth', async (req, res) => {
    const location = await startOAuth(deps, req.query.returnTo);
    res.set('Cache-Control', 'no-store').redirect(302, location);
  });

  router.get('/oauth/callback', async (req, res) => {
    const result = await completeOAuth(deps, { code: req.query.code, state: req.query.state });
    res.set('Cache-Control', 'no-store');
    if (req.accepts(['html', 'json']) === 'json') {
      res.json(result);
      return;
    }
    res.type('html').send(renderOAuthPage(result));
  });

  return router;
}
