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

/** Liveness, readiness (database answers a ping) and Prometheus metrics. */
export function createHealthRouter(deps: Pick<AppDeps, 'db' | 'metrics'>): Router {
  const router = Router();
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
