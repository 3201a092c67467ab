/**
 * Verify before parse (safe and compat mode): an unauthenticated encrypted
 * push never reaches an XML parser; only the bounded <Encrypt> extraction
 * runs before msg_signature is checked. The parsers are wrapped in spies to
 * prove it. What a hostile 64 KiB envelope costs against a genuine push is a
 * benchmark (bench: "Crypto: hostile safe-mode envelopes"), not a timed test:
 * this one read the whole jest process's CPU and failed under load (x4.03
 * once, in a full `npm test`).
 */
import type * as realNode from '@wxlink/contracts/node';
import { startTestServer, type TestServer } from '../../support/harness';
import { EVENTS_PATH, FAST_WORKERS, followPush, postXml } from '../linkage-support';

jest.mock('@wxlink/contracts/node', () => {
  const actual = jest.requireActual<typeof realNode>('@wxlink/contracts/node');
  return {
    ...actual,
    parseEncryptedEnvelope: jest.fn(actual.parseEncryptedEnvelope),
    parsePushXml: jest.fn(actual.parsePushXml),
    extractEncryptField: jest.fn(actual.extractEncryptField),
  };
});

const spied = jest.requireMock<Record<string, jest.Mock>>('@wxlink/contracts/node');
const parserCalls = () =>
  spied.parseEncryptedEnvelope!.mock.calls.length + spied.parsePushXml!.mock.calls.length;

/** A query that looks like WeChat's but is signed with nothing. */
function unsignedQuery(): string {
  return new URLSearchParams({
    signature: '0'.repeat(40),
    timestamp: String(Math.floor(Date.now() / 1000)),
    nonce: '12345',
    encrypt_type: 'aes',
    msg_signature: '0'.repeat(40),
  }).toString();
}

/** Just under the route's 64 KiB body limit, of markup only: costly for a full parser. */
const hostileEnvelope = (() => {
  const head = '<xml><Encrypt><![CDATA[AAAA]]></Encrypt>';
  const tail = '</xml>';
  const items = Math.floor((64 * 1024 - 64 - head.length - tail.length) / 4);
  return head + '<a/>'.repeat(items) + tail;
})();
const smallEnvelope =
  '<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[' +
  'A'.repeat(344) +
  ']]></Encrypt></xml>';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    env: { OFFICIAL_ACCOUNT_ENCRYPT_MODE: 'safe' },
    workers: FAST_WORKERS,
  });
}, 30_000);
afterAll(() => server.close());
beforeEach(() => jest.clearAllMocks());

const post = (body: string) =>
  postXml(server.url, { path: `${EVENTS_PATH}?${unsignedQuery()}`, body });

test('a hostile 64 KiB envelope is refused before any XML parser runs', async () => {
  expect(Buffer.byteLength(hostileEnvelope)).toBeLessThanOrEqual(64 * 1024);
  const before = await server.deps.models.Inbox.countDocuments();
  const res = await post(hostileEnvelope);
  expect(res).toEqual({ status: 400, text: 'rejected' });
  expect(spied.extractEncryptField).toHaveBeenCalledTimes(1);
  expect(parserCalls()).toBe(0);
  // A well-formed envelope with a wrong msg_signature: refused, still unparsed.
  expect(await post(smallEnvelope)).toEqual({ status: 401, text: 'invalid signature' });
  expect(parserCalls()).toBe(0);
  expect(await server.deps.models.Inbox.countDocuments()).toBe(before);
});

test('a genuine safe-mode push is parsed once, after its signature matched', async () => {
  const push = followPush(server.sandbox, 'oVerified', 'subscribe', Math.floor(Date.now() / 1000));
  expect(await postXml(server.url, push)).toEqual({ status: 200, text: 'success' });
  expect(spied.parseEncryptedEnvelope).not.toHaveBeenCalled();
  expect(spied.parsePushXml).toHaveBeenCalledTimes(1);
});
