/**
 * Each POST /me/profile whose signature verifies under no stored key costs a
 * wxa/checksession call: limited per user (default 5 per 10 minutes); past
 * the budget the answer is 422 SIGNATURE_INVALID without asking WeChat.
 */
import { ErrorEnvelopeSchema } from '@wxlink/contracts';
import { startTestServer, type TestServer } from '../../support/harness';

let t: TestServer;
let offsetMs = 0;
beforeAll(async () => {
  t = await startTestServer({ clock: { now: () => new Date(Date.now() + offsetMs) } });
});
afterAll(() => t?.close());

const checkSessionCalls = (): number => t.sandbox.stats().calls['wxa/checksession'] ?? 0;

async function tamperedPost(): Promise<{ token: string; send: () => Promise<[number, string]> }> {
  const user = t.sandbox.createUser({ nickName: 'Honest' });
  const { token } = await t.login(user);
  const payload = t.sandbox.userInfoPayload(user);
  const tampered = { ...payload, rawData: payload.rawData.replace('Honest', 'Mallory') };
  const send = async (): Promise<[number, string]> => {
    const res = await t.api('POST', '/api/v1/me/profile', tampered, token);
    return [res.status, ErrorEnvelopeSchema.parse(res.body).error.code];
  };
  return { token, send };
}

test('60 tampered payloads from one session cost 5 checksession calls, all 422', async () => {
  const mallory = await tamperedPost();
  const before = checkSessionCalls();
  const answers: [number, string][] = [];
  for (let i = 0; i < 60; i++) answers.push(await mallory.send());
  expect(answers).toEqual(answers.map(() => [422, 'SIGNATURE_INVALID']));
  expect(checkSessionCalls() - before).toBe(5);

  // Another user's diagnosis is not spent by this one.
  const other = await tamperedPost();
  const otherBefore = checkSessionCalls();
  expect(await other.send()).toEqual([422, 'SIGNATURE_INVALID']);
  expect(checkSessionCalls() - otherBefore).toBe(1);

  // After the window, WeChat is asked again.
  offsetMs += 601_000;
  const afterWindow = checkSessionCalls();
  expect(await mallory.send()).toEqual([422, 'SIGNATURE_INVALID']);
  expect(checkSessionCalls() - afterWindow).toBe(1);
});
