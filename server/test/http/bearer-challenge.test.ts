/** 401 SESSION_INVALID carries a Bearer challenge (RFC 6750). */
import { useSuiteServer, expectApiError } from '../support/harness';

const server = useSuiteServer();

describe('7. 401 SESSION_INVALID carries a Bearer challenge', () => {
  it('no token: realm only; a token: error="invalid_token"', async () => {
    const none = await server().api('GET', '/api/v1/me');
    expectApiError(none, 401, 'SESSION_INVALID');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="wxlink"');

    const bad = await server().api('GET', '/api/v1/me/subscription', undefined, 'not-a-real-token');
    expectApiError(bad, 401, 'SESSION_INVALID');
    expect(bad.headers.get('www-authenticate')).toBe(
      'Bearer realm="wxlink", error="invalid_token"',
    );

    const { token } = await server().login();
    expect(
      (await server().api('DELETE', '/api/v1/sessions/current', undefined, token)).status,
    ).toBe(204);
    const revoked = await server().api('GET', '/api/v1/me', undefined, token);
    expectApiError(revoked, 401, 'SESSION_INVALID');
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('other answers, 401 WECHAT_CODE_INVALID included, have no challenge', async () => {
    const { token } = await server().login();
    const ok = await server().api('GET', '/api/v1/me', undefined, token);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('www-authenticate')).toBeNull();
    const phone = await server().api('POST', '/api/v1/me/phone', { code: 'neverminted' }, token);
    expectApiError(phone, 401, 'WECHAT_CODE_INVALID');
    expect(phone.headers.get('www-authenticate')).toBeNull();
  });
});
