/**
 * Routes match exactly and case-sensitively, so a proxy rule such as
 * `location = /metrics { deny all; }` cannot be walked around with
 * `/metrics/` or `/METRICS`; and METRICS_TOKEN guards /metrics with a bearer
 * token (anything else gets the 404 of an unknown route).
 */
import { startTestServer, type TestServer } from '../support/harness';

const TOKEN = 'metrics-token-0123456789abcdef';

describe('without METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  test('only the exact spelling of a route matches', async () => {
    expect((await server.raw('GET', '/metrics')).status).toBe(200);
    for (const path of [
      '/metrics/',
      '/METRICS',
      '/Metrics',
      '/metrics//',
      '/HEALTHZ',
      '/healthz/',
    ]) {
      const res = await server.raw('GET', path);
      expect([path, res.status, res.body?.error?.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    expect((await server.raw('GET', '/healthz')).status).toBe(200);
    // The same holds under mounted prefixes and on the push route.
    expect((await server.raw('GET', '/API/v1/me')).status).toBe(404);
    expect((await server.raw('GET', '/api/v1/me')).status).toBe(401);
    expect((await server.raw('GET', '/wechat/official-account/EVENTS')).status).toBe(404);
    expect((await server.raw('GET', '/wechat/official-account/events/')).status).toBe(404);
    // Every feature router, not only the app's: another spelling is an unknown route.
    for (const path of [
      '/api/v1/ME',
      '/api/v1/me/',
      '/api/v1/Me/subscription',
      '/api/v1/me/subscriptions/',
      '/wechat/official-account/OAUTH',
      '/wechat/official-account/oauth/',
    ]) {
      const res = await server.raw('GET', path);
      expect([path, res.status]).toEqual([path, 404]);
    }
    expect((await server.raw('POST', '/api/v1/SESSIONS')).status).toBe(404);
  });
});

describe('with METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(() => server.close());

  const metrics = (authorization?: string) =>
    server.raw('GET', '/metrics', authorization ? { headers: { authorization } } : {});

  test('the right bearer token reads the metrics', async () => {
    const res = await metrics(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('# TYPE');
    // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
    expect((await metrics(`bearer ${TOKEN}`)).status).toBe(200);
    expect((await metrics(`Bearer ${TOKEN.toUpperCase()}`)).status).toBe(404);
  });

  test('no token, a wrong one or another scheme get the 404 of an unknown route', async () => {
    const unknown = await server.raw('GET', '/no-such-route');
    for (const auth of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
      `Bearer  ${TOKEN}`,
      'Bearer ',
    ]) {
      const res = await metrics(auth);
      expect([auth, res.status, res.body.error.code]).toEqual([auth, 404, 'NOT_FOUND']);
      expect(res.text).not.toContain('# TYPE');
      expect(Object.keys(res.body.error).sort()).toEqual(Object.keys(unknown.body.error).sort());
    }
  });

  test('a short METRICS_TOKEN is a start-up error naming the variable', async () => {
    await expect(startTestServer({ env: { METRICS_TOKEN: 'short' } })).rejects.toThrow(
      /METRICS_TOKEN must be at least 16/,
    );
  });
});
