/**
 * Users who have not logged in since the session_keys moved into the user
 * document still have theirs in the former `session_keys` collection: profile
 * authorization reads it there, and 注销 erases it.
 */
import { startTestServer, type TestServer } from '../../support/harness';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

/** Logs in, then stores the user's key as the previous release did instead. */
async function legacyUser() {
  const sandboxUser = t.sandbox.createUser({ nickName: 'Legacy Key' });
  const session = await t.login(sandboxUser);
  const { User, SessionKey } = t.deps.models;
  await User.updateOne({ _id: session.body.user.id }, { $unset: { sessionKeys: '' } });
  await SessionKey.create({
    openid: sandboxUser.miniOpenid,
    current: { key: t.sandbox.sessionKeyOf(sandboxUser), issuedAt: Date.now() },
    previous: null,
    updatedAt: new Date(),
  });
  return { sandboxUser, token: session.token };
}

test('profile authorization verifies with the key of the former collection', async () => {
  const { sandboxUser, token } = await legacyUser();
  const payload = t.sandbox.userInfoPayload(sandboxUser);
  const res = await t.api('POST', '/api/v1/me/profile', payload, token);
  expect(res.status).toBe(200);
  expect(res.body.nickname).toBe('Legacy Key');
});

test('without any stored key the payload is refused, not trusted', async () => {
  const { sandboxUser, token } = await legacyUser();
  await t.deps.models.SessionKey.deleteMany({ openid: sandboxUser.miniOpenid });
  const res = await t.api(
    'POST',
    '/api/v1/me/profile',
    t.sandbox.userInfoPayload(sandboxUser),
    token,
  );
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(['SESSION_KEY_STALE', 'SIGNATURE_INVALID']).toContain(res.body.error.code);
});

test('注销 erases the record of the former collection', async () => {
  const { sandboxUser, token } = await legacyUser();
  expect(await t.deps.models.SessionKey.countDocuments({ openid: sandboxUser.miniOpenid })).toBe(1);
  expect((await t.api('DELETE', '/api/v1/me', undefined, token)).status).toBe(204);
  expect(await t.deps.models.SessionKey.countDocuments({ openid: sandboxUser.miniOpenid })).toBe(0);
});
