/** 401 SESSION_INVALID carries a Bearer challenge (RFC 6750). */
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

describe('7. 401 SESSION_INVALID carries a Bearer challenge', () => {
  it('no token: realm only; a token: error="invalid_token"', async () => {
    const none = await t.api('GET', '/api/v1/me');
    expectError(none, 401, 'SESSION_INVALID');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="wxlink"');

    const bad = await t.api('GET', '/api/v1/me/subscription', undefined, 'not-a-real-token');
    expectError(bad, 401, 'SESSION_INVALID');
    expect(bad.headers.get('www-authenticate')).toBe(
      'Bearer realm="wxlink", error="invalid_token"',
    );

    const { token } = await t.login();
    expect((await t.api('DELETE', '/api/v1/sessions/current', undefined, token)).status).toBe(204);
    const revoked = await t.api('GET', '/api/v1/me', undefined, token);
    expectError(revoked, 401, 'SESSION_INVALID');
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('other answers, 401 WECHAT_CODE_INVALID included, have no challenge', async () => {
    const { token } = await t.login();
    const ok = await t.api('GET', '/api/v1/me', undefined, token);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('www-authenticate')).toBeNull();
    const phone = await t.api('POST', '/api/v1/me/phone', { code: 'neverminted' }, token);
    expectError(phone, 401, 'WECHAT_CODE_INVALID');
    expect(phone.headers.get('www-authenticate')).toBeNull();
  });
});
