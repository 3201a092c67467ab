/** OPTIONS is not a route anywhere (no CORS is served). */
import { useSuiteServer, expectApiError } from '../support/harness';

const server = useSuiteServer();

describe('2. OPTIONS is not a route anywhere', () => {
  it.each([
    '/api/v1/me',
    '/api/v1/sessions',
    '/api/v1/me/profile',
    '/healthz',
    '/wechat/official-account/events',
    '/api/v1/nope',
  ])('OPTIONS %s → 404 NOT_FOUND without an Allow list', async (path) => {
    const res = await server().raw('OPTIONS', path, {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expectApiError(res, 404, 'NOT_FOUND');
    expect(res.headers.get('allow')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
  });
});
