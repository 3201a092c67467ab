import { ERROR_STATUS } from '@wxlink/contracts';
import type { Router } from 'express';
import { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { OfficialAccountConfig } from '../../config';
import type { AppDeps } from '../../deps';
import { logRequestError, mapError } from '../../http/errors';
import { completeOAuth, startOAuth } from './oauth';
import { renderOAuthErrorPage, renderOAuthPage } from './page';
import { exactRouter } from '../../http/router';

/**
 * Web OAuth (snsapi_base), mounted under /wechat/official-account:
 *   GET /oauth?returnTo=/path   → 302 to WeChat's authorize page
 *   GET /oauth/callback         → subscription status (HTML, or JSON on Accept: application/json)
 * Both are opened by a browser (WeChat's), so their failures are a page too,
 * unless the client asked for JSON.
 */
export function createOAuthRouter(deps: AppDeps, account: OfficialAccountConfig): Router {
  const router = exactRouter();
  const errorPage = htmlErrorPage(deps.logger);

  const start: RequestHandler = (req, res) => {
    const location = startOAuth(deps, account, req.query.returnTo);
    res.set('Cache-Control', 'no-store').redirect(302, location);
  };
  const callback: RequestHandler = async (req, res) => {
    const result = await completeOAuth(deps, account, {
      code: req.query.code,
      state: req.query.state,
      returnTo: req.query.returnTo,
    });
    res.set('Cache-Control', 'no-store');
    if (wantsJson(req)) {
      res.json(result);
      return;
    }
    res.type('html').send(renderOAuthPage(result));
  };

  router.get('/oauth', start, errorPage);
  router.get('/oauth/callback', callback, errorPage);

  return router;
}

/** A browser gets HTML; only an explicit preference for JSON gets JSON. */
function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/**
 * Route-level error handler: for a browser, the styled page with a friendly
 * message and the error's status; for a JSON client, the usual envelope
 * (handed on to the app's error handler).
 */
function htmlErrorPage(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (wantsJson(req) || res.headersSent) {
      next(err);
      return;
    }
    const mapped = mapError(err);
    logRequestError(logger, err, req, mapped.code);
    const requestId = req.id;
    res
      .status(ERROR_STATUS[mapped.code])
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(renderOAuthErrorPage({ code: mapped.code, message: mapped.message, requestId }));
  };
}
