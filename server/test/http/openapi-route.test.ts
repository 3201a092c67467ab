import { API_ROUTES, ERROR_CODES } from '@wxlink/contracts';
import { startTestServer, type TestServer } from '../support/harness';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { PUBLIC_BASE_URL: 'https://api.example.com' } });
});
afterAll(() => t?.close());

test('GET /openapi.json serves the contracts-generated OpenAPI 3.1 document', async () => {
  const res = await t.raw('GET', '/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const doc = res.body as {
    openapi: string;
    servers: { url: string }[];
    paths: Record<string, Record<string, unknown>>;
  };
  expect(doc.openapi).toMatch(/^3\.1\./);
  expect(doc.servers[0]!.url).toBe('https://api.example.com');
  for (const route of Object.values(API_ROUTES)) {
    expect([route.path, Object.keys(doc.paths[route.path] ?? {})]).toEqual([
      route.path,
      expect.arrayContaining([route.method.toLowerCase()]),
    ]);
  }
  for (const code of ERROR_CODES) expect(res.text).toContain(`"${code}"`);
});

test('only the exact path answers (case-sensitive, no trailing slash)', async () => {
  expect((await t.raw('GET', '/OPENAPI.json')).status).toBe(404);
  expect((await t.raw('GET', '/openapi.json/')).status).toBe(404);
});
