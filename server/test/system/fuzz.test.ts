/**
 * HTTP fuzzing of every route with fast-check, against a server instance in a
 * child process (so a crash is visible as an exit and its RSS is its own):
 * generated JSON bodies of random shapes (operator objects, wrong types, huge
 * and unicode strings, deep nesting), raw non-JSON bodies, content-type /
 * content-encoding / Authorization variants, query strings with WeChat's
 * parameters, and hostile XML (entities, billion laughs, DOCTYPE, deep
 * nesting, CDATA tricks, truncation, oversized), plaintext and encrypted.
 *
 * Must hold: never a 5xx, every error is the JSON envelope with a known code
 * and its status, the process never dies, a rejected request writes no
 * document, RSS stays bounded. FUZZ_RUNS raises the runs per property
 * (default 150 here; the full runner uses 2000).
 */
import http from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { ERROR_CODES, ERROR_STATUS, UserViewSchema } from '@wxlink/contracts';
import { encryptMessage, msgSignature, pushSignature } from '@wxlink/contracts/node';
import fc from 'fast-check';
import {
  metricSum,
  printTable,
  processRssKiB,
  startCluster,
  waitFor,
  type Cluster,
} from '../support/cluster';
import { EVENTS_PATH } from '../official-account/linkage-support';
import { assertRouteContract } from '../support/route-contract';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const fcOptions = (factor = 1): fc.Parameters<unknown> => ({
  numRuns: Math.max(1, Math.round(RUNS * factor)),
  ...(SEED !== undefined ? { seed: SEED } : {}),
  // A failing case is reported as is: shrinking would send thousands more requests.
  endOnFailure: true,
});

// ---------------------------------------------------------------------------
// Raw HTTP client (no header normalisation, any body bytes)
// ---------------------------------------------------------------------------

interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}
interface Res {
  status: number;
  contentType: string;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let baseUrl = '';
const stats = { requests: 0, resets: 0, byStatus: new Map<number, number>() };

function send(req: Req): Promise<Res> {
  const url = new URL(baseUrl);
  const body =
    req.body === undefined
      ? undefined
      : Buffer.isBuffer(req.body)
        ? req.body
        : Buffer.from(req.body, 'utf8');
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        agent,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...req.headers },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          stats.requests++;
          const status = res.statusCode ?? 0;
          stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
          resolve({
            status,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error('request timed out')));
    r.on('error', reject);
    r.end(body);
  });
}

/** Sends; a connection reset while uploading an oversized body (the server answered 413 early) is retried once. */
async function sendOnce(req: Req): Promise<Res> {
  try {
    return await send(req);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ECONNRESET' || code === 'EPIPE') && (req.body?.length ?? 0) > 64 * 1024) {
      stats.resets++;
      return send(req);
    }
    throw err;
  }
}

const CODES = new Set<string>(ERROR_CODES);
const PUSH_REFUSALS = new Set(['invalid signature', 'rejected', 'too large']);
const isPushRoute = (path: string): boolean =>
  /^\/wechat\/official-account\/(?:[A-Za-z0-9_-]+\/)?events(?:\?|$)/.test(path);

/** The response invariants: no 5xx; errors carry the envelope with a known code and its status. */
function checkResponse(
  res: Res,
  what: string,
  options: { htmlErrors?: boolean; pushRoute?: boolean } = {},
): void {
  const fail = (why: string): never => {
    throw new Error(`${what}: ${why} (status ${res.status}, body ${res.text.slice(0, 200)})`);
  };
  if (res.status >= 500 || res.status < 100) fail('server error');
  if (res.status >= 400 && options.pushRoute) {
    // WeChat shows followers "该公众号暂时无法提供服务" for malformed answers: plain text only,
    // and a generic refusal that tells an unauthenticated sender nothing about the parser.
    if (!res.contentType.startsWith('text/plain')) fail('push route answered without plain text');
    if (!PUSH_REFUSALS.has(res.text)) fail('push route refusal is not one of the generic ones');
    return;
  }
  if (res.status >= 400) {
    // The web-OAuth pages answer a browser with an HTML error page (same status).
    if (options.htmlErrors && res.contentType.includes('text/html')) return;
    if (!res.contentType.includes('application/json')) fail('error without the JSON envelope');
    let code: unknown;
    try {
      code = (JSON.parse(res.text) as { error?: { code?: unknown } }).error?.code;
    } catch {
      fail('error body is not JSON');
    }
    if (typeof code !== 'string' || !CODES.has(code)) fail(`unknown error code ${String(code)}`);
    if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== res.status)
      fail(`status does not match ${String(code)}`);
  }
}

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});
const hugeString = fc.integer({ min: 1_000, max: 90_000 }).map((n) => 'x'.repeat(n));
const trickyString = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\uD800',
  '\uFFFF',
  '微信用户',
  '👩‍👩‍👧‍👦',
  '\u202Egnp.exe',
  "' OR '1'='1",
  '"; db.dropDatabase(); "',
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%0d%0a',
  '\r\nX-Injected: 1',
  'a'.repeat(129),
  'A'.repeat(40),
  'AAAAAAAAAAAAAAAAAAAAAA==',
  '=====',
);
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: trickyString },
  { weight: 1, arbitrary: hugeString },
);
const operatorObject = fc.dictionary(
  fc.constantFrom(
    '$gt',
    '$ne',
    '$where',
    '$regex',
    '$in',
    '$exists',
    '$expr',
    '$function',
    '__proto__',
    'constructor',
    'prototype',
  ),
  fc.oneof(fc.jsonValue({ maxDepth: 2 }), anyString),
  { minKeys: 1, maxKeys: 3 },
);
const anyValue = fc.oneof(
  { weight: 4, arbitrary: anyString },
  { weight: 2, arbitrary: operatorObject },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);
const FIELD_NAMES = [
  'code',
  'rawData',
  'signature',
  'encryptedData',
  'iv',
  'nickname',
  'avatarUrl',
  'token',
  'openid',
  'unionid',
  'user',
  'admin',
];
const fieldObject = fc.dictionary(
  fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 12 })),
  anyValue,
  { maxKeys: 6 },
);
const deepJson = fc
  .tuple(fc.integer({ min: 10, max: 20_000 }), fc.constantFrom('array', 'object'))
  .map(([depth, kind]) =>
    kind === 'array'
      ? '['.repeat(depth) + ']'.repeat(depth)
      : '{"code":'.repeat(depth) + '1' + '}'.repeat(depth),
  );
const brokenJson = fc.constantFrom(
  '{',
  '{"code":',
  '{"code":"abc"',
  '[1,2',
  '{"code":"\\x00"}',
  '{"code":"\\ud800"}',
  'null',
  'true',
  '1e999',
  '{"a":1,"a":2}',
  '\uFEFF{"code":"abc"}',
  '{"code":"abc"}garbage',
);

interface GeneratedBody {
  body: string | Buffer | undefined;
  contentType: string | undefined;
}
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'text/xml',
  'multipart/form-data; boundary=xyz',
  'multipart/form-data',
  'application/octet-stream',
  'image/png',
];
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 4, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  { weight: 1, arbitrary: printable },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const jsonBody: fc.Arbitrary<GeneratedBody> = fc.record({
  body: fc.oneof(
    { weight: 5, arbitrary: fieldObject.map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: brokenJson },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ),
  contentType,
});
/**
 * How an upload's bytes may start: nothing special, an allowed image's
 * signature (so random bytes reach past the first check), or the ASF header
 * with a zero-sized object that hung the former type detector (file-type 16,
 * CVE-2026-31808).
 */
const uploadSignature = fc.constantFrom(
  Buffer.alloc(0),
  Buffer.from('89504e470d0a1a0a', 'hex'),
  Buffer.from('ffd8ff', 'hex'),
  Buffer.from('GIF89a'),
  Buffer.from('RIFF\0\0\0\0WEBP'),
  // ASF header object (16-byte GUID, 14 bytes), then an object of size 0.
  Buffer.concat([Buffer.from('3026b2758e66cf11a6d900aa0062ce6c', 'hex'), Buffer.alloc(38)]),
);
const multipartBody: fc.Arbitrary<GeneratedBody> = fc
  .tuple(
    uploadSignature,
    fc.uint8Array({ maxLength: 2000 }),
    fc.constantFrom('file', 'avatar', 'file[]', ''),
    fc.constantFrom('image/png', 'image/jpeg', 'text/html', 'application/octet-stream'),
    fc.boolean(),
  )
  .map(([signature, bytes, field, type, truncate]) => {
    const head = `--xyz\r\nContent-Disposition: form-data; name="${field}"; filename="a.png"\r\nContent-Type: ${type}\r\n\r\n`;
    const full = Buffer.concat([
      Buffer.from(head),
      signature,
      Buffer.from(bytes),
      Buffer.from('\r\n--xyz--\r\n'),
    ]);
    return {
      body: truncate ? full.subarray(0, Math.floor(full.length / 2)) : full,
      contentType: 'multipart/form-data; boundary=xyz',
    };
  });

const authHeader = (validToken: string, allowValid: boolean): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: allowValid ? 4 : 0, arbitrary: fc.constant(`Bearer ${validToken}`) },
    { weight: 2, arbitrary: printable.map((s) => `Bearer ${s}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        'bearer x',
        'Basic dXNlcjpwYXNz',
        `Bearer ${validToken}x`,
        `Bearer ${validToken.slice(0, -1)}`,
        `Token ${validToken}`,
        'Bearer ' + 'A'.repeat(43),
        'Bearer ' + 'a'.repeat(8000),
        `Bearer ${validToken} ${validToken}`,
      ),
    },
  );

const queryKey = fc.constantFrom(
  'signature',
  'timestamp',
  'nonce',
  'echostr',
  'encrypt_type',
  'msg_signature',
  'openid',
  'returnTo',
  'code',
  'state',
  'a[b]',
  '__proto__',
  'constructor',
);
const queryValue = fc.oneof(
  printable,
  anyString.filter((s) => s.length < 2000),
  fc.constantFrom('aes', 'raw', 'AES', '', '0', '-1', '9'.repeat(30)),
);
const queryString = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(queryKey, queryValue), { maxLength: 6 })
      .map((pairs) => (pairs.length ? '?' + new URLSearchParams(pairs).toString() : '')),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '?%',
      '?a=%zz',
      '?returnTo=%E0%A4%A',
      '?signature=%00',
      '?=&=&',
      '?a=1&a=2&a=3',
      '?returnTo[]=x',
      '?x=' + '%41'.repeat(1000),
    ),
  },
);

// Hostile XML --------------------------------------------------------------

/** A signed timestamp near now: a few minutes either side of the accepted window's edges. */
const recentTimestamp = fc
  .integer({ min: -400, max: 120 })
  .map((offset) => String(Math.floor(Date.now() / 1000) + offset));

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xmlValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(escapeXml),
  fc.string({ maxLength: 30 }).map((s) => `<![CDATA[${s}]]>`),
  fc.constantFrom(
    ']]>',
    '<![CDATA[',
    '<![CDATA[a]]]]><![CDATA[>]]>',
    '&amp;',
    '&lt;&gt;',
    '&#0;',
    '&#x110000;',
    '&#xD800;',
    '&unknown;',
    '&lt;![CDATA[x]]&gt;',
    '<b>nested</b>',
    '',
  ),
  fc.integer().map(String),
);
const pushXml = fc
  .record({
    ToUserName: xmlValue,
    FromUserName: fc.oneof(xmlValue, fc.constantFrom('oFuzzUser1', 'oFuzzUser2')),
    CreateTime: fc.oneof(
      fc.integer({ min: 0, max: 2 ** 31 }).map(String),
      xmlValue,
      fc.constantFrom('-1', '1e10', 'NaN', '9'.repeat(40)),
    ),
    MsgType: fc.constantFrom('event', 'text', 'image', 'EVENT', '', '<![CDATA[event]]>'),
    Event: fc.constantFrom(
      'subscribe',
      'unsubscribe',
      'SCAN',
      'CLICK',
      '',
      'SUBSCRIBE',
      '<![CDATA[subscribe]]>',
    ),
    EventKey: xmlValue,
    MsgId: fc.oneof(
      fc.constant(undefined),
      fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String),
      xmlValue,
    ),
  })
  .map(
    (f) =>
      `<xml>${Object.entries(f)
        .map(([k, v]) => (v === undefined ? '' : `<${k}>${v}</${k}>`))
        .join('')}</xml>`,
  );
const billionLaughs = fc.integer({ min: 1, max: 10 }).map((levels) => {
  const ents = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= levels; i++) ents.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?><!DOCTYPE xml [${ents.join('')}]><xml><ToUserName>&lol${levels};</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>`;
});
const externalEntity = fc
  .constantFrom(
    'file:///etc/passwd',
    'http://127.0.0.1:1/x',
    'php://filter/resource=/etc/hosts',
    'expect://id',
  )
  .map(
    (uri) =>
      `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "${uri}">]><xml><ToUserName>&xxe;</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event><Encrypt>&xxe;</Encrypt></xml>`,
  );
const parameterEntity = fc.constant(
  '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:1/e.dtd"> %p;]><xml/>',
);
const deepXml = fc
  .integer({ min: 5, max: 20_000 })
  .map((d) => `<xml>${'<a>'.repeat(d)}x${'</a>'.repeat(d)}</xml>`);
const oversizedXml = fc
  .integer({ min: 60 * 1024, max: 200 * 1024 })
  .map((n) => `<xml><ToUserName>${'A'.repeat(n)}</ToUserName></xml>`);
const junkXml = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom(
    '',
    '<',
    '<xml',
    '<xml></xm>',
    '\uFEFF<xml/>',
    '<?xml version="1.0" encoding="UTF-7"?><xml/>',
    '<xml><!-- -- --></xml>',
    '<xml><?pi x?></xml>',
    '<xml a="1" a="2"/>',
    '<x:xml xmlns:x="y"/>',
    '<xml><Encrypt></Encrypt></xml>',
    '<xml><Encrypt><![CDATA[]]></Encrypt></xml>',
    '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>',
    '<!DOCTYPE xml><xml/>',
    '<xml>\u0000</xml>',
  ),
);
const truncatedXml = pushXml.chain((xml) =>
  fc.nat({ max: xml.length }).map((i) => xml.slice(0, i)),
);
const hostileXml = fc.oneof(
  { weight: 4, arbitrary: pushXml },
  { weight: 2, arbitrary: billionLaughs },
  { weight: 2, arbitrary: externalEntity },
  { weight: 1, arbitrary: parameterEntity },
  { weight: 2, arbitrary: deepXml },
  { weight: 1, arbitrary: oversizedXml },
  { weight: 2, arbitrary: junkXml },
  { weight: 2, arbitrary: truncatedXml },
);

// ---------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------

let cluster: Cluster;
let token: string;
let pid: number;

/** Document counts of every collection the server writes. */
async function snapshot(): Promise<Record<string, number>> {
  const names = [
    ...Object.values(cluster.models).map(
      (m: { collection: { name: string } }) => m.collection.name,
    ),
    'avatars.files',
    'avatars.chunks',
  ];
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = await cluster.db.collection(name).countDocuments();
  // Binding stubs (inbox/binding-stub.ts) apart from the entries they outlive.
  counts.oa_inbox = await inboxEntries();
  counts[BINDING_STUBS] = await cluster.models.Inbox.countDocuments(STUB_FILTER);
  return counts;
}

const BINDING_STUBS = 'oa_inbox binding stubs';
const STUB_FILTER = { dedupKey: { $regex: '^binding:' } };

/** Inbox entries, binding stubs left out. */
const inboxEntries = (): Promise<number> =>
  cluster.models.Inbox.countDocuments({ dedupKey: { $regex: '^(?!binding:)' } });

function delta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== before[k]) out[k] = v - (before[k] ?? 0);
  return out;
}

/**
 * What the child's inbox wrote, from its metrics: pushes stored, and entries
 * deleted with an unfollow (erase retention), which the inbox's document
 * count alone cannot tell from a push never stored.
 */
async function inboxWrites(): Promise<{ stored: number; erased: number }> {
  const text = await cluster.instances[0]!.metrics();
  return {
    stored: metricSum(text, 'oa_events_received_total'),
    erased: metricSum(text, 'oa_pruned_total', { what: 'inbox_unfollowed' }),
  };
}

/**
 * Waits until every stored push is processed and the inbox grew by exactly
 * what was stored less what was erased since `before`; returns those counts.
 */
async function inboxAccountedFor(
  before: { count: number; stored: number; erased: number },
  timeoutMs = 30_000,
): Promise<{ stored: number; erased: number }> {
  return waitFor(
    'every stored push to be processed and accounted for',
    async () => {
      const busy = await cluster.models.Inbox.countDocuments({
        status: { $in: ['pending', 'processing'] },
      });
      const now = await inboxWrites();
      const count = await inboxEntries();
      const stored = now.stored - before.stored;
      const erased = now.erased - before.erased;
      return busy === 0 && count - before.count === stored - erased && { stored, erased };
    },
    timeoutMs,
  );
}

const rssKiB = (): number => processRssKiB(pid) ?? NaN;
const hasProc = processRssKiB(process.pid) !== undefined;

const rss = { serverBefore: NaN, serverAfter: NaN, testBefore: 0, testAfter: 0 };
/** Server RSS after each property, so growth that keeps going (a leak) is told from warm-up. */
const checkpoints: Array<{ after: string; kib: number; requests: number }> = [];
afterEach(() => {
  if (hasProc)
    checkpoints.push({
      after: expect.getState().currentTestName ?? '?',
      kib: rssKiB(),
      requests: stats.requests,
    });
});

beforeAll(async () => {
  // compat mode: plaintext and encrypted pushes both reach the XML parser.
  cluster = await startCluster({
    instances: ['child'],
    env: { OFFICIAL_ACCOUNT_ENCRYPT_MODE: 'compat' },
  });
  const instance = cluster.instances[0]!;
  baseUrl = instance.url!;
  pid = instance.pid!;
  const { sandbox } = cluster;
  const user = sandbox.createUser({ phone: '13800138000' });
  const login = await send({
    method: 'POST',
    path: '/api/v1/sessions',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: sandbox.mintLoginCode(user) }),
  });
  expect(login.status).toBe(201);
  token = (JSON.parse(login.text) as { token: string }).token;
  // Warm-up: both access tokens fetched (their documents exist before the snapshots),
  // one real push stored and processed.
  await send({
    method: 'POST',
    path: '/api/v1/me/phone',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ code: 'warm-up-invalid' }),
  });
  await sandbox.follow(user, { at: 1_700_000_000, push: false });
  const pushed = await sandbox.push(
    {
      ToUserName: sandbox.config.officialAccount.originalId,
      FromUserName: user.oaOpenid,
      CreateTime: 1_700_000_000,
      MsgType: 'event',
      Event: 'subscribe',
    },
    { url: baseUrl + EVENTS_PATH, mode: 'safe' },
  );
  expect(pushed.delivered).toBe(true);
  await waitFor(
    'the warm-up push to be processed',
    async () => (await cluster.models.Inbox.countDocuments({ status: 'done' })) === 1,
  );
  if (hasProc) rss.serverBefore = rssKiB();
  rss.testBefore = process.memoryUsage().rss;
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await cluster?.close();
}, 30_000);

interface RouteSpec {
  method: string;
  path: string | (() => fc.Arbitrary<string>);
  allowValidToken: boolean;
  multipart?: boolean;
}
const API_ROUTES_FUZZED: RouteSpec[] = [
  { method: 'POST', path: '/api/v1/sessions', allowValidToken: false },
  { method: 'GET', path: '/api/v1/me', allowValidToken: true },
  { method: 'POST', path: '/api/v1/me/profile', allowValidToken: true },
  { method: 'PUT', path: '/api/v1/me/profile', allowValidToken: true },
  { method: 'POST', path: '/api/v1/me/avatar', allowValidToken: true, multipart: true },
  { method: 'POST', path: '/api/v1/me/phone', allowValidToken: true },
  { method: 'GET', path: '/api/v1/me/subscription', allowValidToken: true },
  // Never with the valid token: it would revoke it.
  { method: 'DELETE', path: '/api/v1/sessions/current', allowValidToken: false },
  {
    method: 'GET',
    path: () =>
      fc
        .oneof(
          printable,
          fc.constantFrom(
            '%00',
            '..%2F..%2Fetc',
            'a'.repeat(300),
            '000000000000000000000000',
            '{"$gt":""}',
            '%E0%A4%A',
          ),
        )
        .map((id) => `/api/v1/avatars/${id.replace(/[#?/ ]/g, '_')}`),
    allowValidToken: false,
  },
];

describe('HTTP fuzzing', () => {
  test('mini-program API: bodies, headers, auth and query strings', async () => {
    const before = await snapshot();
    let wechatReached = 0;
    let avatarsAccepted = 0;
    const arb = fc.constantFrom(...API_ROUTES_FUZZED).chain((route) =>
      fc.record({
        route: fc.constant(route),
        path: typeof route.path === 'string' ? fc.constant(route.path) : route.path(),
        query: fc.oneof(
          { weight: 3, arbitrary: fc.constant('') },
          { weight: 1, arbitrary: queryString },
        ),
        payload: route.multipart ? fc.oneof(multipartBody, jsonBody) : jsonBody,
        auth: authHeader(token, route.allowValidToken),
        encoding: fc.oneof(
          { weight: 8, arbitrary: fc.constant(undefined) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              'gzip',
              'deflate',
              'br',
              'identity',
              'x-bogus',
              'gzip, gzip',
            ),
          },
        ),
        accept: fc.oneof(
          fc.constant(undefined),
          fc.constantFrom('*/*', 'text/html', 'application/xml', '', 'application/json;q=0'),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const headers: Record<string, string> = {};
        if (c.payload.contentType !== undefined && c.payload.body !== undefined)
          headers['content-type'] = c.payload.contentType;
        if (c.auth !== undefined) headers.authorization = c.auth;
        if (c.encoding !== undefined) headers['content-encoding'] = c.encoding;
        if (c.accept !== undefined) headers.accept = c.accept;
        const res = await sendOnce({
          method: c.route.method,
          path: c.path + c.query,
          headers,
          body: c.payload.body,
        });
        checkResponse(res, `${c.route.method} ${c.path}`);
        if (res.status >= 400 && res.contentType.includes('json')) {
          assertRouteContract(c.route.method, c.path, res.status, JSON.parse(res.text));
        }
        if (c.route.path === '/api/v1/sessions' && /WECHAT_/.test(res.text)) wechatReached++;
        if (c.route.path === '/api/v1/me/avatar' && res.status === 201) avatarsAccepted++;
        // Garbage never logs anyone in.
        if (c.route.path === '/api/v1/sessions' && res.status < 400)
          throw new Error(`login accepted: ${res.status}`);
      }),
      fcOptions(4),
    );
    const changes = delta(before, await snapshot());
    // A login code that passes validation is sent to WeChat, which refuses it: that failed
    // attempt is audited (and counted by the rate limiter). Nothing else may change.
    const { login_audits: audits = 0, ...rest } = changes;
    const limiter = Object.keys(rest).filter((k) => /rate/i.test(k));
    for (const k of limiter) {
      expect(rest[k]).toBeLessThanOrEqual(2);
      delete rest[k];
    }
    expect(audits).toBe(wechatReached);
    // An upload that starts with an allowed image's signature is stored (one
    // GridFS chunk each: the bodies are small); older ones are pruned.
    const { 'avatars.files': files = 0, 'avatars.chunks': chunks = 0, ...others } = rest;
    expect(files).toBeLessThanOrEqual(avatarsAccepted);
    expect(files > 0).toBe(avatarsAccepted > 0);
    expect(chunks).toBe(files);
    expect(others).toEqual({});
    // The valid session still works and the user is intact.
    const me = await send({
      method: 'GET',
      path: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.status).toBe(200);
    expect(UserViewSchema.safeParse(JSON.parse(me.text)).success).toBe(true);
  }, 120_000);

  test('URL verification (GET events): only a correctly signed echostr is echoed', async () => {
    const { token: pushToken } = cluster.sandbox.config.officialAccount;
    const arb = fc.record({
      signed: fc.boolean(),
      timestamp: queryValue,
      nonce: queryValue,
      echostr: fc.oneof(queryValue, fc.constant(undefined)),
      extra: queryString,
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const q = new URLSearchParams({ timestamp: c.timestamp, nonce: c.nonce });
        q.set(
          'signature',
          c.signed ? pushSignature(pushToken, c.timestamp, c.nonce) : c.nonce.slice(0, 40),
        );
        if (c.echostr !== undefined) q.set('echostr', c.echostr);
        const query = `${q.toString()}${c.extra.replace('?', '&')}`;
        const res = await sendOnce({ method: 'GET', path: `${EVENTS_PATH}?${query}` });
        checkResponse(res, 'GET events', { pushRoute: true });
        // The oracle reads the query as the server does: flat, a repeated key becomes an
        // array, which the server reads as '' (it then has to verify over '').
        const seen = parseQuery(query);
        const str = (k: string): string => {
          const v = seen[k];
          return typeof v === 'string' ? v : '';
        };
        const echostr = str('echostr');
        const valid =
          str('signature') === pushSignature(pushToken, str('timestamp'), str('nonce')) &&
          echostr !== '';
        if (valid !== (res.status === 200)) {
          throw new Error(`valid=${valid} but status ${res.status}`);
        }
        if (valid && res.text !== echostr) throw new Error('echoed something else than echostr');
        if (!valid && res.status !== 401) throw new Error(`expected 401, got ${res.status}`);
      }),
      fcOptions(1),
    );
  }, 60_000);

  test('pushes: unsigned, plaintext-signed and encrypted hostile XML; a rejected push stores nothing', async () => {
    const { token: pushToken, encodingAesKey, appid } = cluster.sandbox.config.officialAccount;
    const before = await snapshot();
    const inboxBefore = {
      count: await inboxEntries(),
      ...(await inboxWrites()),
    };
    let storedCount = inboxBefore.stored;
    let accepted = 0;
    let answered = 0;
    const arb = fc.record({
      mode: fc.constantFrom('unsigned', 'plain', 'plain', 'aes', 'aes', 'aes-bad-envelope'),
      xml: hostileXml,
      // Mostly inside the accepted window, so signed pushes still reach the parser.
      timestamp: fc.oneof(
        { weight: 3, arbitrary: recentTimestamp },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 31 }).map(String) },
        { weight: 1, arbitrary: printable },
      ),
      nonce: printable,
      contentType: fc.constantFrom(
        'text/xml',
        'application/xml',
        'application/json',
        'text/plain; charset=gbk',
        'application/x-www-form-urlencoded',
      ),
      extra: fc.oneof(
        { weight: 3, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: queryString },
      ),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const q = new URLSearchParams({ timestamp: c.timestamp, nonce: c.nonce });
        let body = c.xml;
        if (c.mode === 'unsigned') {
          q.set('signature', 'f'.repeat(40));
        } else if (c.mode === 'plain') {
          q.set('signature', pushSignature(pushToken, c.timestamp, c.nonce));
        } else if (c.mode === 'aes') {
          const encrypt = encryptMessage(c.xml, { aesKey: encodingAesKey, appid });
          q.set('encrypt_type', 'aes');
          q.set('msg_signature', msgSignature(pushToken, c.timestamp, c.nonce, encrypt));
          body = `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
        } else {
          // The hostile XML is the envelope itself.
          q.set('encrypt_type', 'aes');
          q.set('msg_signature', msgSignature(pushToken, c.timestamp, c.nonce, c.xml));
        }
        const res = await sendOnce({
          method: 'POST',
          path: `${EVENTS_PATH}?${q.toString()}${c.extra.replace('?', '&')}`,
          headers: { 'content-type': c.contentType },
          body,
        });
        checkResponse(res, `POST events (${c.mode})`, { pushRoute: true });
        // Counted by the intake (an unfollow may erase stored entries meanwhile).
        const { stored: now } = await inboxWrites();
        if (res.status !== 200 && now !== storedCount)
          throw new Error(`rejected push (${res.status}) wrote ${now - storedCount} inbox item(s)`);
        if (res.status === 200) {
          answered++;
          if (c.mode === 'unsigned') throw new Error('unsigned push accepted');
          if (now - storedCount > 1) throw new Error('one push stored more than once');
          if (res.text !== 'success') throw new Error(`unexpected answer ${res.text.slice(0, 50)}`);
          accepted += now - storedCount;
        }
        storedCount = now;
      }),
      fcOptions(4),
    );
    // Accepted pushes (well-formed XML after all) are processed: they may create follower
    // records (and an unfollow erases that follower's entries), nothing else may change.
    const { stored, erased } = await inboxAccountedFor(inboxBefore);
    expect(stored).toBe(accepted);
    const changes = delta(before, await snapshot());
    const {
      oa_inbox: inbox = 0,
      oa_followers: followers = 0,
      [BINDING_STUBS]: stubs = 0,
      ...rest
    } = changes;
    expect(inbox).toBe(accepted - erased);
    expect(followers).toBeLessThanOrEqual(accepted);
    // An erased entry whose binding was live left a stub, at most one per answered push.
    expect(stubs).toBeLessThanOrEqual(Math.min(answered, erased));
    expect(rest).toEqual({});
    printTable('fuzz: pushes', [{ accepted, rejected: RUNS * 4 - accepted, erased }]);
  }, 120_000);

  test('pushes: replays with other bodies, stale or future timestamps, hostile envelopes', async () => {
    const { token: pushToken, originalId } = cluster.sandbox.config.officialAccount;
    const MAX_AGE = 300; // PUSH_MAX_AGE_SECONDS's default
    const SKEW = 60;
    const before = await snapshot();
    const inboxBefore = {
      count: await inboxEntries(),
      ...(await inboxWrites()),
    };
    let accepted = 0;
    let resent = 0;
    let seq = 0;
    const arb = fc.record({
      offset: fc.integer({ min: -2 * MAX_AGE, max: 3 * SKEW }),
      createOffset: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: -86_400, max: SKEW - 5 }) },
        { weight: 1, arbitrary: fc.integer({ min: SKEW + 5, max: 20 * 365 * 86_400 }) },
      ),
      replay: fc.constantFrom('none', 'same-body', 'other-body', 'hostile-envelope'),
      hostile: hostileXml,
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const now = Math.floor(Date.now() / 1000);
        const timestamp = String(now + c.offset);
        const nonce = `fuzz-replay-${++seq}`;
        const q = new URLSearchParams({
          signature: pushSignature(pushToken, timestamp, nonce),
          timestamp,
          nonce,
        });
        const path = `${EVENTS_PATH}?${q.toString()}`;
        const xml = (openid: string) =>
          `<xml><ToUserName><![CDATA[${originalId}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName>` +
          `<CreateTime>${now + c.createOffset}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
          `<Event><![CDATA[unsubscribe]]></Event></xml>`;
        const post = (body: string, extra = '') =>
          sendOnce({
            method: 'POST',
            path: path + extra,
            headers: { 'content-type': 'text/xml' },
            body,
          });
        const inTime = c.offset >= -MAX_AGE && c.offset <= SKEW && c.createOffset <= SKEW;
        const first = await post(xml(`oFuzzReplay${seq}`));
        checkResponse(first, 'POST events (replay, first)', { pushRoute: true });
        // Only a push inside both windows is accepted (1 s of slack at the edges).
        const edge = Math.abs(c.offset + MAX_AGE) <= 1 || Math.abs(c.offset - SKEW) <= 1;
        if (!edge && (first.status === 200) !== inTime)
          throw new Error(`offset ${c.offset}/${c.createOffset}: answered ${first.status}`);
        if (first.status === 200) accepted++;
        if (c.replay === 'none') return;
        let again: Res;
        if (c.replay === 'same-body') again = await post(xml(`oFuzzReplay${seq}`));
        else if (c.replay === 'other-body') again = await post(xml(`oFuzzForged${seq}`));
        else {
          // The logged query with encrypt_type=aes and a hostile envelope signed with nothing.
          again = await post(c.hostile, `&encrypt_type=aes&msg_signature=${'0'.repeat(40)}`);
        }
        checkResponse(again, `POST events (replay ${c.replay})`, { pushRoute: true });
        if (again.status === 200 && c.replay !== 'same-body')
          throw new Error(`replay (${c.replay}) accepted`);
        if (c.replay === 'same-body' && first.status === 200 && again.status !== 200)
          throw new Error(`identical retry refused with ${again.status}`);
        if (c.replay === 'same-body' && again.status === 200) resent++;
      }),
      fcOptions(1),
    );
    const forged = await cluster.models.Inbox.countDocuments({ openid: /^oFuzzForged/ });
    expect(forged).toBe(0);
    // An identical retry is the same push: stored once, unless the unfollow was processed
    // (and, with erase retention, its entry erased) before the retry came.
    const { stored, erased } = await inboxAccountedFor(inboxBefore);
    expect(stored).toBeGreaterThanOrEqual(accepted);
    expect(stored).toBeLessThanOrEqual(accepted + resent);
    const changes = delta(before, await snapshot());
    const {
      oa_inbox: inbox = 0,
      [BINDING_STUBS]: stubs = 0,
      oa_followers: _followers = 0,
      ...rest
    } = changes;
    expect(inbox).toBe(stored - erased);
    // Stubs: erased entries whose binding was live, and queries of retries signed anew.
    expect(stubs).toBeLessThanOrEqual(accepted + resent);
    expect(rest).toEqual({});
    printTable('fuzz: replays', [
      { accepted, refusedOrReplayed: RUNS - accepted, resent, stored, erased },
    ]);
  }, 120_000);

  test('web OAuth: returnTo, code and state', async () => {
    const before = await snapshot();
    let started = 0;
    const arb = fc.record({
      callback: fc.boolean(),
      returnTo: fc.oneof(
        queryValue,
        fc.constantFrom(
          '/',
          '/ok',
          '//evil.com',
          '/\\evil.com',
          'https://evil.com',
          '/%2F%2Fevil.com',
          'javascript:alert(1)',
          '/a\u0000b',
          '/' + 'a'.repeat(600),
          '/\u2028',
        ),
      ),
      code: fc.oneof(fc.constant(undefined), queryValue),
      state: fc.oneof(fc.constant(undefined), queryValue, fc.stringMatching(/^[0-9a-f]{104}$/)),
      accept: fc.constantFrom('text/html', 'application/json', '*/*', 'image/png'),
      raw: fc.oneof(
        { weight: 4, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: queryString },
      ),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const q = new URLSearchParams();
        let path: string;
        if (c.callback) {
          if (c.code !== undefined) q.set('code', c.code);
          if (c.state !== undefined) q.set('state', c.state);
          path = `/wechat/official-account/oauth/callback?${q.toString()}`;
        } else {
          q.set('returnTo', c.returnTo);
          path = `/wechat/official-account/oauth?${q.toString()}`;
        }
        const res = await sendOnce({
          method: 'GET',
          path: path + c.raw.replace('?', '&'),
          headers: { accept: c.accept },
        });
        // Only an explicit preference for JSON gets the envelope; a browser gets a page.
        checkResponse(res, path.split('?')[0]!, { htmlErrors: c.accept !== 'application/json' });
        if (c.callback && res.status < 400) throw new Error('callback accepted a forged state');
        if (!c.callback && res.status === 302) started++;
      }),
      fcOptions(1),
    );
    const changes = delta(before, await snapshot());
    // The state is self-contained: starts write nothing, forged callbacks neither.
    expect(started).toBeGreaterThan(0);
    expect(changes).toEqual({});
  }, 60_000);

  test('health routes, unknown routes and methods, odd paths', async () => {
    const before = await snapshot();
    const segment = fc.oneof(
      printable.map((s) => encodeURIComponent(s)),
      fc.constantFrom(
        '%',
        '%zz',
        '%E0%A4%A',
        '%00',
        '..',
        '.',
        '%2e%2e',
        'api',
        'v1',
        'me',
        'wechat',
        'official-account',
        'events',
        '__proto__',
      ),
    );
    const arb = fc.record({
      method: fc.constantFrom(
        'GET',
        'POST',
        'PUT',
        'PATCH',
        'DELETE',
        'OPTIONS',
        'HEAD',
        'PROPFIND',
        'TRACE',
      ),
      path: fc.oneof(
        fc.constantFrom(
          '/healthz',
          '/readyz',
          '/metrics',
          '/api/v1/me',
          EVENTS_PATH,
          '/api/v1',
          '/api/v1/',
          '/wechat',
        ),
        fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => '/' + s.join('/')),
      ),
      query: fc.oneof(
        { weight: 2, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: queryString },
      ),
      payload: jsonBody,
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const headers: Record<string, string> = {};
        if (c.payload.contentType !== undefined && c.payload.body !== undefined)
          headers['content-type'] = c.payload.contentType;
        const res = await sendOnce({
          method: c.method,
          path: c.path + c.query,
          headers,
          body: c.method === 'HEAD' || c.method === 'GET' ? undefined : c.payload.body,
        });
        if (c.method === 'HEAD') {
          if (res.status >= 500) throw new Error(`HEAD ${c.path}: ${res.status}`);
          return;
        }
        checkResponse(res, `${c.method} ${c.path}`, {
          htmlErrors: c.path.includes('/oauth'),
          // WeChat only GETs (URL verification) and POSTs (pushes); other methods are plain 404s.
          pushRoute: (c.method === 'GET' || c.method === 'POST') && isPushRoute(c.path),
        });
      }),
      fcOptions(2),
    );
    const changes = delta(before, await snapshot());
    const { login_audits: _a, oa_inbox: _i, oa_followers: _f, ...rest } = changes;
    // Random paths can hit real routes with garbage: the fuzzing of those above covers the
    // counts; here nothing may be created by a route that does not exist.
    const limiter = Object.keys(rest).filter((k) => /rate/i.test(k));
    for (const k of limiter) delete rest[k];
    expect(rest).toEqual({});
  }, 60_000);

  test('the server process is alive, healthy, and its memory stayed bounded', async () => {
    const exited = await Promise.race([
      cluster.instances[0]!.child!.exited.then(() => true),
      Promise.resolve(false),
    ]);
    expect(exited).toBe(false);
    const health = await send({ method: 'GET', path: '/healthz' });
    expect(health.status).toBe(200);
    rss.testAfter = process.memoryUsage().rss;
    if (hasProc) rss.serverAfter = rssKiB();
    const mb = (n: number) => Math.round((n / 1024) * 10) / 10;
    printTable('fuzz: totals', [
      {
        requests: stats.requests,
        'resets (oversized upload)': stats.resets,
        statuses: [...stats.byStatus]
          .sort((a, b) => a[0] - b[0])
          .map(([s, n]) => `${s}×${n}`)
          .join(' '),
        'server RSS before MiB': mb(rss.serverBefore),
        'server RSS after MiB': mb(rss.serverAfter),
        'test RSS before MiB': mb(rss.testBefore / 1024),
        'test RSS after MiB': mb(rss.testAfter / 1024),
      },
    ]);
    if (hasProc) {
      printTable(
        'fuzz: server RSS after each property',
        checkpoints.map((c) => ({
          after: c.after.replace('HTTP fuzzing ', '').slice(0, 60),
          requests: c.requests,
          'RSS MiB': mb(c.kib),
        })),
      );
    }
    expect(stats.requests).toBeGreaterThan(RUNS * 10);
    if (hasProc) {
      // Generous: V8 grows its heap in steps and large bodies (up to 200 KiB) raise the
      // high-water mark; a per-request leak would show as far more over thousands of requests.
      expect(rss.serverAfter - rss.serverBefore).toBeLessThan(200 * 1024);
    }
  });
});
