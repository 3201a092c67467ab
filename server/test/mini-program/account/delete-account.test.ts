/**
 * DELETE /api/v1/me (注销): nothing personal remains, every token dies, a new
 * login makes a new user, and a deletion racing the user's other requests
 * leaves no half-deleted state.
 */
import { mongo, Types } from 'mongoose';
import { DELETION_SETTLE_MS } from '../../../src/mini-program/account/delete-account';
import { finishDeletions } from '../../../src/mini-program/account/deletion-sweep';
import { startTestServer, type TestServer } from '../../support/harness';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

async function uploadAvatar(token: string): Promise<{ status: number; avatarUrl?: string }> {
  const form = new FormData();
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'a.png');
  const res = await t.raw('POST', '/api/v1/me/avatar', {
    body: form,
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, avatarUrl: res.body?.avatarUrl };
}

function avatarFiles(userId: string) {
  const bucket = new mongo.GridFSBucket(t.deps.db.db!, { bucketName: 'avatars' });
  return bucket.find({ 'metadata.userId': userId }).toArray();
}

/** Everything the server keeps that can be tied to this user id or openid. */
async function traces(userId: string, openid: string) {
  const id = new Types.ObjectId(userId);
  const { User, Session, SessionKey, LoginAudit } = t.deps.models;
  const user = await User.findById(id).lean();
  return {
    users: user ? 1 : 0,
    sessions: await Session.countDocuments({ userId: id }),
    // In the user document, and the former per-openid collection.
    sessionKeys:
      Object.keys(user?.sessionKeys ?? {}).length + (await SessionKey.countDocuments({ openid })),
    audits: await LoginAudit.countDocuments({ userId: id }),
    avatars: (await avatarFiles(userId)).length,
  };
}

const NONE = { users: 0, sessions: 0, sessionKeys: 0, audits: 0, avatars: 0 };
/** What 注销 leaves until the sweep: a tombstone, nothing else. */
const TOMBSTONE_ONLY = { ...NONE, users: 1 };

/** The tombstone holds nothing personal: the fields a person could be found by are blank. */
async function expectBlankTombstone(userId: string): Promise<void> {
  const user = await t.deps.models.User.findById(userId).lean();
  expect(user).toMatchObject({
    miniOpenid: `deleted:${userId}`,
    unionid: null,
    nickname: null,
    avatarUrl: null,
    gender: null,
    phone: null,
    lastLoginIp: null,
    deletedAt: expect.any(Date),
  });
  expect(user?.sessionKeys).toBeUndefined();
}

/** Runs the deletion sweep as it runs once DELETION_SETTLE_MS have passed. */
function sweepAfterSettling(): Promise<number> {
  const later = () => new Date(Date.now() + DELETION_SETTLE_MS + 1000);
  return finishDeletions({ ...t.deps, clock: { now: later } });
}

test('after deletion nothing personal remains and every token is dead', async () => {
  const sandboxUser = t.sandbox.createUser({ nickName: 'Erase Me' });
  const first = await t.login(sandboxUser);
  const second = await t.login(sandboxUser);
  const userId: string = second.body.user.id;
  const token = second.token;
  const upload = await uploadAvatar(token);
  expect(upload.status).toBe(201);
  expect(
    (await t.api('PUT', '/api/v1/me/profile', { avatarUrl: upload.avatarUrl }, token)).status,
  ).toBe(200);
  const phone = await t.api(
    'POST',
    '/api/v1/me/phone',
    { code: t.sandbox.mintPhoneCode(sandboxUser) },
    token,
  );
  expect(phone.status).toBe(200);
  expect(phone.body.phone).not.toBeNull();
  const auditIds = (
    await t.deps.models.LoginAudit.find({ userId: new Types.ObjectId(userId) }).lean()
  ).map((a) => a._id);
  expect(auditIds).toHaveLength(2);
  const before = await traces(userId, sandboxUser.miniOpenid);
  expect(before).toEqual({ users: 1, sessions: 2, sessionKeys: 2, audits: 2, avatars: 1 });

  const res = await t.api('DELETE', '/api/v1/me', undefined, token);
  expect(res.status).toBe(204);
  expect(res.text).toBe('');

  expect(await traces(userId, sandboxUser.miniOpenid)).toEqual(TOMBSTONE_ONLY);
  await expectBlankTombstone(userId);
  // Not before the settling time; then the tombstone goes too.
  expect(await finishDeletions(t.deps)).toBe(0);
  expect(await sweepAfterSettling()).toBe(1);
  expect(await traces(userId, sandboxUser.miniOpenid)).toEqual(NONE);
  // The audit lines stay for abuse statistics, unlinked and without ip / user agent.
  const audits = await t.deps.models.LoginAudit.find({ _id: { $in: auditIds } }).lean();
  expect(audits.map((a) => [a.userId, a.ip, a.userAgent, a.outcome])).toEqual([
    [null, null, null, 'ok'],
    [null, null, null, 'ok'],
  ]);
  // The uploaded file is gone from the public route too.
  expect((await t.api('GET', upload.avatarUrl!)).status).toBe(404);
  for (const dead of [first.token, second.token]) {
    const me = await t.api('GET', '/api/v1/me', undefined, dead);
    expect([me.status, me.body.error.code]).toEqual([401, 'SESSION_INVALID']);
  }
  const again = await t.api('DELETE', '/api/v1/me', undefined, token);
  expect([again.status, again.body.error.code]).toEqual([401, 'SESSION_INVALID']);
});

test('a later login of the same WeChat user creates a new user', async () => {
  const sandboxUser = t.sandbox.createUser();
  const old = await t.login(sandboxUser);
  await t.login(sandboxUser);
  expect((await t.api('DELETE', '/api/v1/me', undefined, old.token)).status).toBe(204);
  const fresh = await t.login(sandboxUser);
  expect(fresh.body.user.id).not.toBe(old.body.user.id);
  expect(fresh.body.user.loginCount).toBe(1);
  expect(fresh.body.user.phone).toBeNull();
  expect(await t.deps.models.User.countDocuments({ miniOpenid: sandboxUser.miniOpenid })).toBe(1);
});

test('a user other than the deleted one keeps everything', async () => {
  const keep = await t.login();
  const keepUpload = await uploadAvatar(keep.token);
  const gone = await t.login();
  expect((await t.api('DELETE', '/api/v1/me', undefined, gone.token)).status).toBe(204);
  expect((await t.api('GET', '/api/v1/me', undefined, keep.token)).status).toBe(200);
  await sweepAfterSettling();
  expect(await traces(keep.body.user.id, keep.sandboxUser.miniOpenid)).toEqual({
    users: 1,
    sessions: 1,
    sessionKeys: 1,
    audits: 1,
    avatars: 1,
  });
  expect((await t.api('GET', keepUpload.avatarUrl!)).status).toBe(200);
});

test('without a token: 401', async () => {
  const res = await t.api('DELETE', '/api/v1/me');
  expect([res.status, res.body.error.code]).toEqual([401, 'SESSION_INVALID']);
});

test('racing the user’s own requests leaves no half-deleted state (20 to 60 rounds)', async () => {
  const outcomes = new Set<string>();
  // At least 20 rounds, more (bounded) until the interleavings below were all seen:
  // which one happens is up to the scheduler.
  for (let round = 0; round < 60 && (round < 20 || outcomes.size < 3); round++) {
    const sandboxUser = t.sandbox.createUser();
    const { token, body } = await t.login(sandboxUser);
    const userId: string = body.user.id;
    const [del, put, upload, relogin] = await Promise.all([
      t.api('DELETE', '/api/v1/me', undefined, token),
      t.api('PUT', '/api/v1/me/profile', { nickname: `round ${round}` }, token),
      uploadAvatar(token),
      t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(sandboxUser) }),
    ]);
    expect(del.status).toBe(204);
    expect([200, 401]).toContain(put.status);
    expect([201, 401]).toContain(upload.status);
    expect(relogin.status).toBe(201);
    // Nothing personal is left at once, whatever ran first: a blank tombstone
    // and at most what the racing login wrote for it after the deletion.
    await expectBlankTombstone(userId);
    // The racing login either came first (its token died with the user) or made a new user.
    const me = await t.api('GET', '/api/v1/me', undefined, relogin.body.token);
    if (relogin.body.user.id === userId) expect(me.status).toBe(401);
    else expect([me.status, me.body.loginCount]).toEqual([200, 1]);
    // Once settled, the deleted user is entirely gone.
    expect(await sweepAfterSettling()).toBe(1);
    expect(await traces(userId, sandboxUser.miniOpenid)).toEqual(NONE);
    expect(await t.deps.models.User.countDocuments({ deletedAt: { $ne: null } })).toBe(0);
    outcomes.add(relogin.body.user.id === userId ? 'login first' : 'deletion first');
    outcomes.add(`put ${put.status}`);
  }
  // The rounds really interleaved both ways (else the race was not exercised).
  expect(outcomes.size).toBeGreaterThanOrEqual(3);
});
