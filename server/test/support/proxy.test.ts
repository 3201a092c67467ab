/** test/support/cluster.ts startRoundRobinProxy: what the load and fault suites' proxy re-sends. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRoundRobinProxy, type RoundRobinProxy } from './cluster';

interface Upstream {
  url: string;
  received: string[];
  server: http.Server;
}

/** An upstream that records each request; `onPost` decides what a POST gets. */
async function upstream(onPost: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') onPost(req, res);
      else res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server } satisfies Upstream;
}

describe('round-robin proxy', () => {
  let proxy: RoundRobinProxy | undefined;
  const servers: http.Server[] = [];
  afterEach(async () => {
    await proxy?.close();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it('never sends a POST to a second instance after the first died holding it', async () => {
    // A dies (kill -9) while it holds the POST: its socket is reset and its port refuses.
    const a = await upstream((req) => {
      a.server.close();
      req.socket.destroy();
    });
    const b = await upstream((_req, res) => res.end('second instance'));
    servers.push(a.server, b.server);
    proxy = await startRoundRobinProxy({ upstreams: () => [a.url, b.url] });
    // Two GETs open a kept-alive socket to each; the POST goes to A on its reused socket.
    expect((await fetch(`${proxy.url}/one`)).status).toBe(200);
    expect((await fetch(`${proxy.url}/two`)).status).toBe(200);
    const res = await fetch(`${proxy.url}/api/v1/sessions`, { method: 'POST', body: '{}' });
    expect(a.received).toContain('POST /api/v1/sessions');
    // Like nginx with a non-idempotent request already sent: 502, the client retries.
    expect(res.status).toBe(502);
    expect(b.received).not.toContain('POST /api/v1/sessions');
  });
});
