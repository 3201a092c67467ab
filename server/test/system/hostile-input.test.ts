import { ErrorEnvelopeSchema } from '@wxlink/contracts';
import { startTestServer, type ApiResult, type TestServer } from '../support/harness';

let t: TestServer;
let token: string;
let payload: { rawData: string; signature: string; encryptedData: string; iv: string };
beforeAll(async () => {
  t = await startTestServer();
  const login = await t.login();
  token = login.token;
  payload = t.sandbox.userInfoPayload(login.sandboxUser);
});
afterAll(async () => {
  await t?.close();
});

/** Every collection the server writes (all models + the avatar bucket), with its document count. */
async function snapshot(): Promise<Record<string, number>> {
  // The embedded database has no listCollections; the models name them all.
  const names = [
    ...Object.values(t.deps.models).map((m: { collection: { name: string } }) => m.collection.name),
    'avatars.files',
    'avatars.chunks',
  ];
  const counts: Record<string, number> = {};
  for (const name of names) {
    counts[name] = await t.deps.db.collection(name).countDocuments();
  }
  return counts;
}

function expect4xx(res: ApiResult, label: string): void {
  const summary = { label, status: res.status };
  expect(
    summary.status >= 400 && summary.status < 500 ? summary : { ...summary, text: res.text },
  ).toEqual(summary);
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  const parsed = ErrorEnvelopeSchema.safeParse(res.body);
  expect(parsed.success ? parsed.data.error.code : `no envelope: ${res.text.slice(0, 80)}`).toMatch(
    /^[A-Z_]+$/,
  );
}

const auth = () => ({ authorization: `Bearer ${token}` });
const json = (body: unknown) => JSON.stringify(body);

/** Bodies that are JSON but wrong, for a route whose schema has one `code` field. */
const codeBodies: Array<[string, unknown]> = [
  ['operator object', { code: { $gt: '' } }],
  ['$ne operator', { code: { $ne: null } }],
  ['number', { code: 12345 }],
  ['boolean', { code: true }],
  ['array', { code: ['a'] }],
  ['null', { code: null }],
  ['empty', { code: '' }],
  ['whitespace', { code: 'a b' }],
  ['control chars', { code: 'abc\u0000def' }],
  ['non-ascii', { code: '码码码' }],
  ['too long', { code: 'x'.repeat(129) }],
  ['unknown field', { code: 'abc', admin: true }],
  ['missing field', {}],
  ['proto pollution', JSON.parse('{"code":"abc","__proto__":{"isAdmin":true}}')],
  ['constructor key', { code: 'abc', constructor: { prototype: { x: 1 } } }],
  ['top-level array', [{ code: 'abc' }]],
  ['top-level string', 'abc'],
  ['top-level number', 42],
];

// Thunks: the valid payload they start from exists only after beforeAll.
const profileBodies: Array<[string, () => unknown]> = [
  ['operator in signature', () => ({ ...payload, signature: { $gt: '' } })],
  ['bad base64 encryptedData', () => ({ ...payload, encryptedData: '!!!not*base64!!!' })],
  ['base64url encryptedData', () => ({ ...payload, encryptedData: 'ab-_ab-_' })],
  ['iv of 12 bytes', () => ({ ...payload, iv: 'AAAAAAAAAAAAAAAA' })],
  ['iv not base64', () => ({ ...payload, iv: '%%%%%%%%%%%%%%%%%%%%%%==' })],
  ['uppercase signature', () => ({ ...payload, signature: 'A'.repeat(40) })],
  ['short signature', () => ({ ...payload, signature: 'abc' })],
  ['huge rawData', () => ({ ...payload, rawData: 'x'.repeat(9000) })],
  ['number rawData', () => ({ ...payload, rawData: 1 })],
  ['unknown field', () => ({ ...payload, openid: 'someone-else' })],
  ['missing iv', () => ({ rawData: '{}', signature: 'a'.repeat(40), encryptedData: 'AAAA' })],
  ['operator rawData', () => ({ ...payload, rawData: { $where: 'sleep(1000)' } })],
];

const updateBodies: Array<[string, unknown]> = [
  ['empty object', {}],
  ['operator nickname', { nickname: { $ne: null } }],
  ['nickname too long', { nickname: '长'.repeat(33) }],
  ['blank nickname', { nickname: '   ' }],
  ['control chars', { nickname: 'a\u0007b' }],
  ['javascript url', { avatarUrl: 'javascript:alert(1)' }],
  ['data url', { avatarUrl: 'data:image/png;base64,AAAA' }],
  ['path traversal', { avatarUrl: '/api/v1/avatars/../../etc/passwd' }],
  ['relative elsewhere', { avatarUrl: '/admin' }],
  ['unknown field', { nickname: 'ok', phone: '13800138000' }],
  ['null nickname', { nickname: null }],
];

describe('hostile input: 4xx with a code, nothing written', () => {
  let before: Record<string, number>;
  let userBefore: unknown;
  beforeAll(async () => {
    before = await snapshot();
    userBefore = await t.deps.models.User.findOne({}).lean();
  });

  it.each(codeBodies)('POST /api/v1/sessions: %s', async (_label, body) => {
    expect4xx(
      await t.raw('POST', '/api/v1/sessions', {
        body: json(body),
        headers: { 'content-type': 'application/json' },
      }),
      _label,
    );
  });

  it.each(codeBodies)('POST /api/v1/me/phone: %s', async (_label, body) => {
    expect4xx(
      await t.raw('POST', '/api/v1/me/phone', {
        body: json(body),
        headers: { 'content-type': 'application/json', ...auth() },
      }),
      _label,
    );
  });

  it.each(profileBodies)('POST /api/v1/me/profile: %s', async (_label, body) => {
    expect4xx(
      await t.raw('POST', '/api/v1/me/profile', {
        body: json(body()),
        headers: { 'content-type': 'application/json', ...auth() },
      }),
      _label,
    );
  });

  it.each(updateBodies)('PUT /api/v1/me/profile: %s', async (_label, body) => {
    expect4xx(
      await t.raw('PUT', '/api/v1/me/profile', {
        body: json(body),
        headers: { 'content-type': 'application/json', ...auth() },
      }),
      _label,
    );
  });

  const jsonRoutes: Array<[string, string]> = [
    ['POST', '/api/v1/sessions'],
    ['POST', '/api/v1/me/profile'],
    ['PUT', '/api/v1/me/profile'],
    ['POST', '/api/v1/me/phone'],
  ];

  it.each(jsonRoutes)(
    '%s %s: malformed JSON, wrong content types, empty and huge bodies',
    async (method, path) => {
      const cases: Array<[string, string | Buffer, Record<string, string>]> = [
        ['truncated JSON', '{"code":', { 'content-type': 'application/json' }],
        ['single quotes', "{'code':'abc'}", { 'content-type': 'application/json' }],
        ['trailing garbage', '{"code":"abc"}xyz', { 'content-type': 'application/json' }],
        ['bare string JSON', '"abc"', { 'content-type': 'application/json' }],
        ['text/plain', '{"code":"abc"}', { 'content-type': 'text/plain' }],
        ['form encoded', 'code=abc', { 'content-type': 'application/x-www-form-urlencoded' }],
        ['no body', '', {}],
        ['xml', '<xml><code>abc</code></xml>', { 'content-type': 'text/xml' }],
        [
          'invalid utf-8',
          Buffer.from([0x7b, 0x22, 0x63, 0xff, 0xfe, 0x22, 0x7d]),
          { 'content-type': 'application/json' },
        ],
        [
          'unsupported charset',
          '{"code":"abc"}',
          { 'content-type': 'application/json; charset=ebcdic' },
        ],
        [
          'gzip lie',
          '{"code":"abc"}',
          { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        ],
      ];
      for (const [label, body, headers] of cases) {
        expect4xx(
          await t.raw(method, path, { body, headers: { ...headers, ...auth() } }),
          `${path} ${label}`,
        );
      }
      const huge = await t.raw(method, path, {
        body: json({ code: 'x'.repeat(200_000) }),
        headers: { 'content-type': 'application/json', ...auth() },
      });
      expect4xx(huge, `${path} huge`);
      expect(huge.status).toBe(413);
      expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      const deep = await t.raw(method, path, {
        body: '['.repeat(5000) + ']'.repeat(5000),
        headers: { 'content-type': 'application/json', ...auth() },
      });
      expect4xx(deep, `${path} deeply nested`);
    },
  );

  it('POST /api/v1/me/avatar: JSON, text and empty multipart bodies', async () => {
    expect4xx(
      await t.raw('POST', '/api/v1/me/avatar', {
        body: json({ file: 'AAAA' }),
        headers: { 'content-type': 'application/json', ...auth() },
      }),
      'json',
    );
    expect4xx(
      await t.raw('POST', '/api/v1/me/avatar', {
        body: 'hello',
        headers: { 'content-type': 'text/plain', ...auth() },
      }),
      'text',
    );
    const empty = new FormData();
    empty.append('note', 'no file here');
    expect4xx(
      await t.raw('POST', '/api/v1/me/avatar', { body: empty, headers: auth() }),
      'no file',
    );
    const two = new FormData();
    two.append('file', new Blob([Buffer.from('a')]), 'a.png');
    two.append('file', new Blob([Buffer.from('b')]), 'b.png');
    expect4xx(
      await t.raw('POST', '/api/v1/me/avatar', { body: two, headers: auth() }),
      'two files',
    );
    const noBoundary = await t.raw('POST', '/api/v1/me/avatar', {
      body: 'garbage',
      headers: { 'content-type': 'multipart/form-data', ...auth() },
    });
    expect4xx(noBoundary, 'no boundary');
  });

  it('GET /api/v1/avatars/:id: malformed and unknown ids', async () => {
    for (const id of [
      'x',
      '%00',
      '0'.repeat(24),
      'zzzzzzzzzzzzzzzzzzzzzzzz',
      '..%2F..%2Fetc',
      'a'.repeat(500),
    ]) {
      const res = await t.raw('GET', `/api/v1/avatars/${id}`);
      expect4xx(res, id);
      expect(res.status).toBe(404);
    }
  });

  it('query strings and headers cannot smuggle operators', async () => {
    expect4xx(
      await t.raw('GET', '/api/v1/me?token[$ne]=x', {
        headers: { authorization: 'Bearer [object Object]' },
      }),
      'query',
    );
    expect4xx(
      await t.raw('GET', '/api/v1/me', {
        headers: { authorization: `Bearer ${'x'.repeat(5000)}` },
      }),
      'long token',
    );
    expect4xx(
      await t.raw('GET', '/api/v1/me', { headers: { authorization: 'Bearer {"$gt":""}' } }),
      'operator token',
    );
  });

  // Runs last (jest keeps declaration order within a file).
  it('wrote no document in any collection and left the user untouched', async () => {
    expect(await snapshot()).toEqual(before);
    expect(await t.deps.models.User.findOne({}).lean()).toEqual(userBefore);
  });
});
