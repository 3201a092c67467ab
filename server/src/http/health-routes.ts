import { buildOpenApiDocument } from '@wxlink/contracts/openapi';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Router } from 'express';
import { type Request } from 'express';
import type { AppDeps } from '../deps';
import { envelope, notFound } from './errors';
import { withTimeout } from '../platform/with-timeout';
import { exactRouter } from './router';

/**
 * How long /readyz waits for the database ping. Probes (Kubernetes, load
 * balancers) usually give up after 1-2 s: answering 503 inside that window
 * reports "not ready" instead of a probe timeout, and a healthy ping takes
 * milliseconds.
 */
export const READY_PING_TIMEOUT_MS = 1500;

/**
 * Liveness, readiness (database answers a ping), Prometheus metrics and the
 * OpenAPI description of the mini-program API (built once from the contracts).
 */
export function createHealthRouter(deps: Pick<AppDeps, 'db' | 'metrics' | 'config'>): Router {
  const router = exactRouter();
  const openApi = JSON.stringify(buildOpenApiDocument({ serverUrl: deps.config.publicBaseUrl }));
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openApi);
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    try {
      await withTimeout(deps.db.db!.admin().ping(), READY_PING_TIMEOUT_MS);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json(envelope('SERVICE_UNAVAILABLE', 'Database unreachable', req.id));
    }
  });
  // With METRICS_TOKEN set, a request without the right bearer token gets the
  // same 404 as an unknown route: the endpoint's existence is not revealed.
  router.get('/metrics', async (req, res, next) => {
    if (!metricsAllowed(req, deps.config.metricsToken)) {
      notFound(req, res, next);
      return;
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Whether the request may read /metrics: always when no token is configured
 * (keep the route private at the proxy then), else only with
 * `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time (both
 * sides hashed first, so the length leaks nothing either).
 */
export function metricsAllowed(req: Pick<Request, 'headers'>, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(req.headers.authorization ?? '');
  const offered = match?.[1] ?? '';
  return timingSafeEqual(digest(offered), digest(token)) && match !== null;
}
