/** A long nickname names the character limit. */
import { ErrorEnvelopeSchema } from '@wxlink/contracts';
import { EVENTS_PATH, FAST_WORKERS } from '../../official-account/linkage-support';
import { startTestServer, type ApiResult, type TestServer } from '../../support/harness';

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

describe('8. a long nickname names the character limit', () => {
  it('500 characters → 400 "nickname: must be at most 32 characters"', async () => {
    const { token } = await t.login();
    const res = await t.api('PUT', '/api/v1/me/profile', { nickname: 'x'.repeat(500) }, token);
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.message).toBe('nickname: must be at most 32 characters');
  });
});
