import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppDeps } from './deps';
import { errorHandler, notFound } from './http/errors';
import { requestLog } from './http/request-log';
import { requestDeadline } from './platform/request-deadline';
import { createApiRouter } from './mini-program/routes';
import { createHealthRouter } from './http/health-routes';
import { createOfficialAccountRouter } from './official-account/routes';

/**
 * Builds the Express app from injected dependencies. No I/O happens here:
 * main.ts, dev.ts and the tests decide what to connect to.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  // Query strings are parsed flat: `?a[b]=c` stays a string, never an object.
  app.set('query parser', 'simple');
  // Paths match exactly: `/metrics/` and `/METRICS` are not `/metrics`, so a
  // proxy rule written for one spelling cannot be walked around with another.
  // (Each Router is created with the same options: they do not inherit these.)
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  // Every answer with a user or token is no-store (mini-program/routes.ts),
  // so a validator is never used; computing one hashed every body.
  app.set('etag', false);

  app.use(requestLog(deps.logger));
  app.use(clientAddressOnce);
  app.use(helmet());
  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      // Label by route template (never the raw URL) to keep cardinality bounded.
      const route = (req.route as { path?: string } | undefined)?.path;
      end({
        route: route ? `${req.baseUrl}${route}` : 'unmatched',
        status: String(res.statusCode),
      });
    });
    next();
  });

  // No CORS is served (the mini-program never preflights), so OPTIONS is not
  // a route anywhere: without this, Express answers it with 200 and an Allow list.
  app.use((req, res, next) => {
    if (req.method === 'OPTIONS') notFound(req, res, next);
    else next();
  });

  app.use(createHealthRouter(deps));
  app.use(
    '/api/v1',
    requestDeadline(deps.config.httpTimeouts.apiDeadlineMs, deps.logger),
    createApiRouter(deps),
  );
  app.use('/wechat/official-account', createOfficialAccountRouter(deps));

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

/**
 * Resolves `req.ip` once per request. Express recomputes it on every read
 * (proxy-addr walking X-Forwarded-For against `trust proxy`), and a login
 * reads it more than once (the limiter's key, the session and audit).
 */
const clientAddressOnce: RequestHandler = (req, _res, next) => {
  Object.defineProperty(req, 'ip', { value: req.ip, enumerable: true });
  next();
};
