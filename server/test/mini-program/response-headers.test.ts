/**
 * Responses that carry a token or a user are `Cache-Control: no-store`; a
 * client's X-Request-Id is reused only when it is 8–64 of [A-Za-z0-9._-].
 */
import { startTestServer, type TestServer } from '../support/harness';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

test('every answer carrying a token or a user is no-store', async () => {
  const user = t.sandbox.createUser();
  const login = await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) });
  expect([login.status, login.headers.get('cache-control')]).toEqual([201, 'no-store']);
  // A validator is useless on a no-store answer (and hashing every body costs CPU).
  expect(login.headers.get('etag')).toBeNull();
  const token = login.body.token as string;
  const phone = t.sandbox.mintPhoneCode(user);
  const answers = [
    await t.api('GET', '/api/v1/me', undefined, token),
    await t.api('PUT', '/api/v1/me/profile', { nickname: '小明' }, token),
    await t.api('POST', '/api/v1/me/profile', t.sandbox.userInfoPayload(user), token),
    await t.api('POST', '/api/v1/me/phone', { code: phone }, token),
    await t.api('GET', '/api/v1/me/subscription', undefined, token),
    await t.api('GET', '/api/v1/me', undefined, 'not-a-token'),
  ];
  expect(answers.map((r) => [r.status, r.headers.get('cache-control')])).toEqual([
    [200, 'no-store'],
    [200, 'no-store'],
    [200, 'no-store'],
    [200, 'no-store'],
    [200, 'no-store'],
    [401, 'no-store'],
  ]);
});

test('X-Request-Id: a well-formed one is reused, anything else replaced', async () => {
  const idOf = async (value: string): Promise<string | null> =>
    (await t.raw('GET', '/healthz', { headers: { 'x-request-id': value } })).headers.get(
      'x-request-id',
    );
  for (const good of ['abcd1234', 'req-2024.01_xyz', 'A'.repeat(64)]) {
    expect(await idOf(good)).toBe(good);
  }
  for (const bad of [
    'short',
    'A'.repeat(65),
    'has space 123',
    'semi;colon123',
    '<script>alert',
    'ünïcode-123',
  ]) {
    const echoed = await idOf(bad);
    expect(echoed).not.toBe(bad);
    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
  }
});
