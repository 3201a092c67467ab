/** OPTIONS is not a route anywhere (no CORS is served). */
import { ErrorEnvelopeSchema } from '@wxlink/contracts';
import { EVENTS_PATH, FAST_WORKERS } from '../official-account/linkage-support';
import { startTestServer, type ApiResult, type TestServer } from '../support/harness';

const PUBLIC_BASE_URL = 'https://api.example.com';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    workers: FAST_WORKERS,
    env: { PUBLIC_BASE_URL },
    sandboxOptions: { acceptUnknownLoginCodes: true },
  });
  t.sandbox.setPushTarget({ url: t.url + EVENTS_PATH, mode: 'safe' });
});
afterAll(async () => {
  await t?.close();
});

function expectError(res: ApiResult, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(ErrorEnvelopeSchema.parse(res.body).error.code).toBe(code);
}

describe('2. OPTIONS is not a route anywhere', () => {
  it.each([
    '/api/v1/me',
    '/api/v1/sessions',
    '/api/v1/me/profile',
    '/healthz',
    '/wechat/official-account/events',
    '/api/v1/nope',
  ])('OPTIONS %s → 404 NOT_FOUND without an Allow list', async (path) => {
    const res = await t.raw('OPTIONS', path, {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expectError(res, 404, 'NOT_FOUND');
    expect(res.headers.get('allow')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
  });
});
