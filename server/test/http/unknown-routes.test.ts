/** Unknown routes are 404 whatever their body; known routes parse first. */
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

describe('3. unknown routes are 404 whatever their body', () => {
  const big = JSON.stringify({ code: 'x'.repeat(200 * 1024) });
  const json = { 'content-type': 'application/json' };

  it.each([
    ['POST', '/api/v1/nope'],
    ['PUT', '/api/v1/me/nope'],
    ['DELETE', '/api/v1/sessions/other'],
  ])('%s %s: 200 KB → 404, malformed JSON → 404', async (method, path) => {
    expectError(await t.raw(method, path, { body: big, headers: json }), 404, 'NOT_FOUND');
    expectError(await t.raw(method, path, { body: '{"a":', headers: json }), 404, 'NOT_FOUND');
  });

  it('known routes still parse first: 413 and 400', async () => {
    const path = '/api/v1/sessions';
    expectError(await t.raw('POST', path, { body: big, headers: json }), 413, 'PAYLOAD_TOO_LARGE');
    expectError(
      await t.raw('POST', path, { body: '{"a":', headers: json }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await t.raw('PUT', '/api/v1/me/profile', { body: big, headers: json }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expectError(
      await t.raw('POST', '/api/v1/me/phone', { body: '[', headers: json }),
      400,
      'VALIDATION_FAILED',
    );
  });
});
