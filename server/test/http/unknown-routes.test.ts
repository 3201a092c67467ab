/** Unknown routes are 404 whatever their body; known routes parse first. */
import { useSuiteServer, expectApiError } from '../support/harness';

const server = useSuiteServer();

describe('3. unknown routes are 404 whatever their body', () => {
  const big = JSON.stringify({ code: 'x'.repeat(200 * 1024) });
  const json = { 'content-type': 'application/json' };

  it.each([
    ['POST', '/api/v1/nope'],
    ['PUT', '/api/v1/me/nope'],
    ['DELETE', '/api/v1/sessions/other'],
  ])('%s %s: 200 KB → 404, malformed JSON → 404', async (method, path) => {
    expectApiError(
      await server().raw(method, path, { body: big, headers: json }),
      404,
      'NOT_FOUND',
    );
    expectApiError(
      await server().raw(method, path, { body: '{"a":', headers: json }),
      404,
      'NOT_FOUND',
    );
  });

  it('known routes still parse first: 413 and 400', async () => {
    const path = '/api/v1/sessions';
    expectApiError(
      await server().raw('POST', path, { body: big, headers: json }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expectApiError(
      await server().raw('POST', path, { body: '{"a":', headers: json }),
      400,
      'VALIDATION_FAILED',
    );
    expectApiError(
      await server().raw('PUT', '/api/v1/me/profile', { body: big, headers: json }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expectApiError(
      await server().raw('POST', '/api/v1/me/phone', { body: '[', headers: json }),
      400,
      'VALIDATION_FAILED',
    );
  });
});
