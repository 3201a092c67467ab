/** /readyz answers within probe timeouts. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { AppDeps } from '../../src/deps';
import { createHealthRouter, READY_PING_TIMEOUT_MS } from '../../src/http/health-routes';

import { useSuiteServer } from '../support/harness';

const suite = useSuiteServer();

describe('5. /readyz answers within probe timeouts', () => {
  it('a hung database ping is a 503 after 1.5 s, not 5 s', async () => {
    expect(READY_PING_TIMEOUT_MS).toBe(1500);
    const hung = {
      db: { admin: () => ({ ping: () => new Promise<never>(() => undefined) }) },
    } as unknown as AppDeps['db'];
    const app = express().use(
      createHealthRouter({ db: hung, metrics: suite().deps.metrics, config: suite().config }),
    );
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'SERVICE_UNAVAILABLE',
      );
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(2500);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a live database is ready', async () => {
    const res = await suite().raw('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });
});
