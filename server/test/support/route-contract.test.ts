/** test/support/route-contract.ts: the error contract every harness answer is held to. */
import { assertRouteContract } from './route-contract';

const envelope = (code: string) => ({ error: { code, message: 'x' } });

describe('assertRouteContract', () => {
  it('accepts a code the route names, one every route may answer, and successes', () => {
    expect(() =>
      assertRouteContract('POST', '/api/v1/sessions', 401, envelope('WECHAT_CODE_INVALID')),
    ).not.toThrow();
    expect(() =>
      assertRouteContract('GET', '/api/v1/me?x=1', 503, envelope('SERVICE_UNAVAILABLE')),
    ).not.toThrow();
    expect(() => assertRouteContract('GET', '/api/v1/me', 200, { id: 'u' })).not.toThrow();
  });

  it('ignores what is not a route of the mini-program API', () => {
    expect(() => assertRouteContract('GET', '/healthz', 503, 'down')).not.toThrow();
    expect(() =>
      assertRouteContract('PATCH', '/api/v1/me', 404, envelope('NOT_FOUND')),
    ).not.toThrow();
  });

  it.each([
    [
      'a code the route does not name',
      'POST',
      '/api/v1/sessions',
      402,
      envelope('WECHAT_QUOTA_EXHAUSTED'),
      /does not name/,
    ],
    [
      'a code under another status',
      'GET',
      '/api/v1/me',
      400,
      envelope('SESSION_INVALID'),
      /not its status/,
    ],
    [
      'an error without an envelope',
      'GET',
      '/api/v1/me',
      401,
      'Unauthorized',
      /without an error envelope/,
    ],
  ])('refuses %s', (_name, method, path, status, body, message) => {
    expect(() => assertRouteContract(method, path, status, body)).toThrow(message);
  });
});
