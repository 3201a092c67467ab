import { buildOpenApiDocument } from '@wxlink/contracts/openapi';
import { Router } from 'express';
import type { AppDeps } from '../deps';
import { envelope } from './errors';
import { withTimeout } from '../platform/with-timeout';

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
  const router = Router({ caseSensitive: true, strict: true });
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
      res
        .status(503)
        .json(envelope('SERVICE_UNAVAILABLE', 'Database unreachable', req.id as string));
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
