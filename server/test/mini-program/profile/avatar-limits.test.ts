/**
 * DESIGN "Limits": uploads are bounded per user in rate and in storage kept;
 * avatar ids are unguessable; ownership is checked by id, not by URL host.
 * Runs with the production defaults (10 uploads per minute, 5 kept).
 */
import { ErrorEnvelopeSchema } from '@wxlink/contracts';
import { startTestServer, type ApiResult, type TestServer } from '../../support/harness';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let t: TestServer;
let offsetMs = 0;
beforeAll(async () => {
  t = await startTestServer({
    env: { PUBLIC_BASE_URL: 'https://api.example.com' },
    clock: { now: () => new Date(Date.now() + offsetMs) },
  });
});
afterAll(() => t?.close());

function upload(token: string): Promise<ApiResult> {
  const form = new FormData();
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'a.png');
  return t.raw('POST', '/api/v1/me/avatar', {
    body: form,
    headers: { authorization: `Bearer ${token}` },
  });
}

/** Files stored for the user that owns `token`, counted in GridFS. */
async function storedFor(token: string): Promise<number> {
  const me = await t.api('GET', '/api/v1/me', undefined, token);
  return t.deps.db.collection('avatars.files').countDocuments({ 'metadata.userId': me.body.id });
}

const codeOf = (res: ApiResult): string => ErrorEnvelopeSchema.parse(res.body).error.code;

test('a burst of 30 uploads from one account: 10 stored, the rest 429 RATE_LIMITED', async () => {
  const { token } = await t.login();
  const started = Date.now();
  // Three at a time, as fast as the server answers (the 30 in 3 s).
  const statuses: number[] = [];
  for (let i = 0; i < 30; i += 3) {
    const batch = await Promise.all([upload(token), upload(token), upload(token)]);
    statuses.push(...batch.map((r) => r.status));
  }
  const elapsedMs = Date.now() - started;
  expect(elapsedMs).toBeLessThan(10_000);
  expect(statuses.filter((s) => s !== 429 && s !== 201)).toEqual([]);
  expect(statuses.filter((s) => s === 201)).toHaveLength(10);
  expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  const limited = await upload(token);
  expect(codeOf(limited)).toBe('RATE_LIMITED');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const stored = await storedFor(token);
  console.info(
    `30 uploads in ${elapsedMs} ms: ${statuses.filter((s) => s === 201).length} × 201, ${stored} files kept`,
  );
  // Another user is not limited by this one.
  expect((await upload((await t.login()).token)).status).toBe(201);
  // The window passes: uploads are accepted again.
  offsetMs += 61_000;
  expect((await upload(token)).status).toBe(201);
});

test('storage stays bounded: the current avatar plus the 5 newest uploads', async () => {
  const { token } = await t.login();
  const first = (await upload(token)).body.avatarUrl as string;
  expect((await t.api('PUT', '/api/v1/me/profile', { avatarUrl: first }, token)).status).toBe(200);
  const later: string[] = [];
  for (let i = 0; i < 9; i++) later.push((await upload(token)).body.avatarUrl as string);
  expect(await storedFor(token)).toBe(6);
  // The current avatar survives; the newest five are served; older unreferenced ones are gone.
  expect((await t.raw('GET', first)).status).toBe(200);
  for (const url of later.slice(-5)) expect((await t.raw('GET', url)).status).toBe(200);
  for (const url of later.slice(0, 4)) expect((await t.raw('GET', url)).status).toBe(404);
  const chunks = t.deps.db.collection('avatars.chunks');
  const me = await t.api('GET', '/api/v1/me', undefined, token);
  const ids = await t.deps.db
    .collection('avatars.files')
    .find({ 'metadata.userId': me.body.id })
    .toArray();
  expect(await chunks.countDocuments({ files_id: { $in: ids.map((f) => f._id) } })).toBe(6);
});

test('ids are 128 random bits, not a sequence', async () => {
  const { token } = await t.login();
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    const url = (await upload(token)).body.avatarUrl as string;
    expect(url).toMatch(/^\/api\/v1\/avatars\/[A-Za-z0-9_-]{22}$/);
    ids.push(url.slice('/api/v1/avatars/'.length));
  }
  const raw = ids.map((id) => Buffer.from(id, 'base64url'));
  expect(raw.every((b) => b.length === 16)).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  // ObjectIds made in one second share their first 9 bytes; random ids share next to none.
  for (let i = 1; i < raw.length; i++) {
    let common = 0;
    while (common < 16 && raw[i]![common] === raw[i - 1]![common]) common++;
    expect(common).toBeLessThan(4);
  }
});

test("another user's id is refused however its URL is spelled; one's own is accepted", async () => {
  const alice = await t.login();
  const bob = await t.login();
  const path = (await upload(alice.token)).body.avatarUrl as string;
  const id = path.slice('/api/v1/avatars/'.length);
  const spellings = [
    path,
    `${path}.png`,
    `https://api.example.com${path}`,
    `https://api.example.com.${path}`,
    `http://localhost${path}`,
    `http://localhost:3000${path}`,
    `http://[::1]${path}`,
    `http://127.0.0.1:8080/prefix${path}`,
    `https://cdn.elsewhere.example${path}?v=1`,
    `https://api.example.com/api/v1/avatars/${encodeURIComponent(id).replace(/A/g, '%41')}`,
    `https://api.example.com/API/V1/AVATARS/${id}`,
  ];
  for (const avatarUrl of spellings) {
    const res = await t.api('PUT', '/api/v1/me/profile', { avatarUrl }, bob.token);
    expect([avatarUrl, res.status, codeOf(res)]).toEqual([avatarUrl, 400, 'VALIDATION_FAILED']);
  }
  for (const avatarUrl of spellings) {
    const res = await t.api('PUT', '/api/v1/me/profile', { avatarUrl }, alice.token);
    expect([avatarUrl, res.status]).toEqual([avatarUrl, 200]);
    expect(res.body.avatarUrl).toMatch(new RegExp(`^/api/v1/avatars/${id}(\\.png)?$`));
  }
});
