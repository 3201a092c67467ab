/**
 * Event intake over real HTTP: URL verification, signatures, plain/compat/safe
 * modes, key rotation, the official WXBizMsgCrypt vector, dedup across
 * WeChat's retries and across two server instances, and bad input.
 */
import { encryptMessage, msgSignature, pushSignature } from '@wxlink/contracts/node';
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';
import { uniqueDbName } from '@wxlink/testkit';
import { holdFirstInserts } from '../../support/commands';
import { startTestServer, type TestServer } from '../../support/harness';
import {
  EVENTS_PATH,
  FAST_WORKERS,
  eventually,
  followPush,
  followerOf,
  inboxSettled,
  postXml,
  signedPush,
  startLossyProxy,
} from '../linkage-support';

// The official 消息加解密 sample (WXBizMsgCrypt "测试解密接口"); the same values
// as packages/contracts/test/node/vectors.ts (MSG_CRYPT_SAMPLE).
const SAMPLE = {
  token: 'spamtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appid: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6' +
    'F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T33' +
    '2jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCg' +
    'avjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6Oewp' +
    'usjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
  toUserName: 'gh_10f6c3c3ac5a',
  msgId: '6054768590064713728',
} as const;

const sampleEnv = (mode: 'safe' | 'compat' | 'plain') => ({
  OFFICIAL_ACCOUNT_APPID: SAMPLE.appid,
  OFFICIAL_ACCOUNT_TOKEN: SAMPLE.token,
  OFFICIAL_ACCOUNT_AES_KEY: SAMPLE.encodingAesKey,
  OFFICIAL_ACCOUNT_ENCRYPT_MODE: mode,
});

function sampleQuery(overrides: Record<string, string> = {}): string {
  return new URLSearchParams({
    timestamp: SAMPLE.timestamp,
    nonce: SAMPLE.nonce,
    encrypt_type: 'aes',
    msg_signature: SAMPLE.msgSignature,
    ...overrides,
  }).toString();
}

const sampleBody = (encrypt: string = SAMPLE.encrypt) =>
  `<xml><ToUserName><![CDATA[${SAMPLE.toUserName}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;

/** The sample was signed in 2014: the server's clock is set ten seconds after it. */
const sampleClock = { now: () => new Date((Number(SAMPLE.timestamp) + 10) * 1000) };

describe('the official WXBizMsgCrypt vector, safe mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: sampleEnv('safe'),
      workers: FAST_WORKERS,
      clock: sampleClock,
    });
  });
  afterAll(() => server.close());

  test('is accepted and stored once, keyed by its MsgId', async () => {
    const res = await postXml(server.url, {
      path: `${EVENTS_PATH}?${sampleQuery()}`,
      body: sampleBody(),
    });
    expect(res).toEqual({ status: 200, text: 'success' });
    const again = await postXml(server.url, {
      path: `${EVENTS_PATH}?${sampleQuery()}`,
      body: sampleBody(),
    });
    expect(again).toEqual({ status: 200, text: 'success' });
    const items = await server.deps.models.Inbox.find({}).lean();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      dedupKey: `msg:${SAMPLE.msgId}`,
      type: 'message',
      appid: SAMPLE.appid,
    });
    // A text message has no handler: acknowledged and marked done.
    await inboxSettled(server.deps);
    expect((await server.deps.models.Inbox.findOne({}).lean())?.status).toBe('done');
  });

  test('a tampered ciphertext is refused with 401 and nothing is stored', async () => {
    const before = await server.deps.models.Inbox.countDocuments();
    const tampered = SAMPLE.encrypt.replace('hyzAe4', 'hyzAe5');
    const res = await postXml(server.url, {
      path: `${EVENTS_PATH}?${sampleQuery()}`,
      body: sampleBody(tampered),
    });
    expect(res.status).toBe(401);
    expect(res.text).toBe('invalid signature'); // plain text: never JSON on the push route
    const wrongSig = await postXml(server.url, {
      path: `${EVENTS_PATH}?${sampleQuery({ msg_signature: '0'.repeat(40) })}`,
      body: sampleBody(),
    });
    expect(wrongSig.status).toBe(401);
    expect(await server.deps.models.Inbox.countDocuments()).toBe(before);
  });

  test('a correctly signed plaintext push is refused in safe mode', async () => {
    const push = signedPush(
      {
        ToUserName: SAMPLE.toUserName,
        FromUserName: 'oPlain',
        CreateTime: 1700000000,
        MsgType: 'event',
        Event: 'subscribe',
      },
      { token: SAMPLE.token, appid: SAMPLE.appid, mode: 'plain' },
    );
    const res = await postXml(server.url, push);
    expect(res.status).toBe(400);
    expect(res.text).toBe('rejected');
    expect(await server.deps.models.Inbox.countDocuments({ openid: 'oPlain' })).toBe(0);
  });

  test('a message encrypted for another appid is refused', async () => {
    const xml = `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[oOther]]></FromUserName><CreateTime>1700000001</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`;
    const encrypt = encryptMessage(xml, {
      aesKey: SAMPLE.encodingAesKey,
      appid: 'wxSomeoneElse000',
    });
    const ts = '1700000001';
    const nonce = 'n1';
    const q = new URLSearchParams({
      timestamp: ts,
      nonce,
      encrypt_type: 'aes',
      msg_signature: msgSignature(SAMPLE.token, ts, nonce, encrypt),
    });
    const res = await postXml(server.url, {
      path: `${EVENTS_PATH}?${q.toString()}`,
      body: sampleBody(encrypt),
    });
    expect(res.status).toBe(400);
    expect(res.text).toBe('rejected');
  });

  test('URL verification echoes echostr only when signed', async () => {
    const ts = '1409735669';
    const nonce = 'abc';
    const good = new URLSearchParams({
      signature: pushSignature(SAMPLE.token, ts, nonce),
      timestamp: ts,
      nonce,
      echostr: 'hello123',
    });
    const ok = await server.raw('GET', `${EVENTS_PATH}?${good.toString()}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('hello123');
    good.set('signature', pushSignature('wrongtoken', ts, nonce));
    const bad = await server.raw('GET', `${EVENTS_PATH}?${good.toString()}`);
    expect(bad.status).toBe(401);
    expect(bad.text).toBe('invalid signature');
    expect(bad.headers.get('content-type')).toMatch(/^text\/plain/);
    const missing = await server.raw('GET', `${EVENTS_PATH}?echostr=x`);
    expect(missing.status).toBe(401);
  });

  test('bad XML, entities and oversized bodies are 4xx, never stored', async () => {
    const signed = (body: string) => {
      const ts = '1700000002';
      const nonce = 'n2';
      const q = new URLSearchParams({
        timestamp: ts,
        nonce,
        encrypt_type: 'aes',
        msg_signature: msgSignature(SAMPLE.token, ts, nonce, SAMPLE.encrypt),
      });
      return postXml(server.url, { path: `${EVENTS_PATH}?${q.toString()}`, body });
    };
    const before = await server.deps.models.Inbox.countDocuments();
    expect((await signed('<xml><Encrypt>')).status).toBe(400);
    expect((await signed('not xml at all')).status).toBe(400);
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>`;
    const res = await signed(xxe);
    expect(res.status).toBe(400);
    expect(res.text).toBe('rejected');
    const huge = await signed(`<xml><Encrypt>${'A'.repeat(100 * 1024)}</Encrypt></xml>`);
    expect(huge.status).toBe(413);
    expect(await server.deps.models.Inbox.countDocuments()).toBe(before);
  });
});

describe('plain and compat modes', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.close());

  test('compat mode accepts encrypted pushes (using the ciphertext) and plaintext ones', async () => {
    const server = await startTestServer({
      sandbox,
      env: { OFFICIAL_ACCOUNT_ENCRYPT_MODE: 'compat' },
      workers: FAST_WORKERS,
    });
    try {
      const enc = followPush(sandbox, 'oCompatA', 'subscribe', 1700000100, 'compat');
      expect(await postXml(server.url, enc)).toEqual({ status: 200, text: 'success' });
      const plain = followPush(sandbox, 'oCompatB', 'subscribe', 1700000100, 'plain');
      expect(await postXml(server.url, plain)).toEqual({ status: 200, text: 'success' });
      const keys = (await server.deps.models.Inbox.find({}).lean()).map((i) => i.dedupKey).sort();
      expect(keys).toEqual([
        'event:oCompatA:1700000100:subscribe',
        'event:oCompatB:1700000100:subscribe',
      ]);
      // A plaintext push with a bad signature is still refused.
      const forged = {
        ...plain,
        path: plain.path.replace(/signature=[0-9a-f]+/, 'signature=' + 'a'.repeat(40)),
      };
      expect((await postXml(server.url, forged)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  test('plain mode (no key) stores plaintext pushes and refuses encrypted ones', async () => {
    const server = await startTestServer({
      sandbox,
      env: { OFFICIAL_ACCOUNT_AES_KEY: '', OFFICIAL_ACCOUNT_ENCRYPT_MODE: 'plain' },
      workers: FAST_WORKERS,
    });
    try {
      const plain = followPush(sandbox, 'oPlainA', 'unsubscribe', 1700000200, 'plain');
      expect(await postXml(server.url, plain)).toEqual({ status: 200, text: 'success' });
      const enc = followPush(sandbox, 'oPlainB', 'subscribe', 1700000200, 'safe');
      const res = await postXml(server.url, enc);
      expect(res.status).toBe(400);
      expect(await server.deps.models.Inbox.countDocuments()).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('EncodingAESKey rotation', () => {
  test('the previous key is accepted while rotating; an unknown key is not', async () => {
    const sandbox = await startSandbox();
    const newKey = 'Z'.repeat(43);
    const server = await startTestServer({
      sandbox,
      env: {
        OFFICIAL_ACCOUNT_AES_KEY: newKey,
        OFFICIAL_ACCOUNT_AES_KEY_PREVIOUS: sandbox.config.officialAccount.encodingAesKey,
        // The inbox is inspected after processing: erase would delete an unfollower's entries.
        FOLLOWER_RETENTION: 'keep',
      },
      workers: FAST_WORKERS,
    });
    try {
      const old = followPush(sandbox, 'oRotOld', 'unsubscribe', 1700000300);
      expect(await postXml(server.url, old)).toEqual({ status: 200, text: 'success' });
      const current = followPush(sandbox, 'oRotNew', 'unsubscribe', 1700000300, 'safe', newKey);
      expect(await postXml(server.url, current)).toEqual({ status: 200, text: 'success' });
      const unknown = followPush(
        sandbox,
        'oRotBad',
        'unsubscribe',
        1700000300,
        'safe',
        'Q'.repeat(43),
      );
      expect((await postXml(server.url, unknown)).status).toBe(400);
      expect((await server.deps.models.Inbox.find({}).lean()).map((i) => i.openid).sort()).toEqual([
        'oRotNew',
        'oRotOld',
      ]);
    } finally {
      await server.close();
      await sandbox.close();
    }
  });
});

describe('deduplication', () => {
  test("WeChat's retries after a lost answer record each event once", async () => {
    // `keep`: this test counts inbox entries; erase (tested in followers/erase.test.ts)
    // would delete the unfollowed follower's processed entries.
    const server = await startTestServer({
      workers: FAST_WORKERS,
      env: { FOLLOWER_RETENTION: 'keep' },
    });
    const proxy = await startLossyProxy(server.url);
    try {
      const { sandbox } = server;
      sandbox.setPushTarget({ url: proxy.url + EVENTS_PATH, mode: 'safe' });
      const users = [sandbox.createUser(), sandbox.createUser(), sandbox.createUser()];
      const now = Math.floor(Date.now() / 1000);
      for (const [i, u] of users.entries()) {
        const result = await sandbox.follow(u, { at: now - 10 + i });
        // First delivery lost, the retry acknowledged.
        expect(result?.delivered).toBe(true);
        expect(result?.attempts.length).toBe(2);
      }
      const result = await sandbox.unfollow(users[0]!, { at: now });
      expect(result?.attempts.length).toBe(2);
      expect(proxy.forwarded()).toBe(8);

      expect(await server.deps.models.Inbox.countDocuments()).toBe(4);
      const dedup = await server.deps.metrics.eventsDeduplicated.get();
      expect(dedup.values[0]?.value).toBe(4);
      await inboxSettled(server.deps);
      expect(await followerOf(server.deps, users[0]!.oaOpenid)).toMatchObject({
        subscribed: false,
        unionid: users[0]!.unionid,
      });
      expect(await followerOf(server.deps, users[1]!.oaOpenid)).toMatchObject({
        subscribed: true,
        unionid: users[1]!.unionid,
      });
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  test('20 concurrent copies of one push across two instances store one record', async () => {
    const sandbox = await startSandbox();
    const dbName = uniqueDbName('events_two');
    const a = await startTestServer({ sandbox, dbName, workers: FAST_WORKERS });
    const b = await startTestServer({ sandbox, dbName, workers: FAST_WORKERS });
    try {
      const user = sandbox.createUser();
      const at = Math.floor(Date.now() / 1000);
      sandbox.setPushTarget(null);
      await sandbox.follow(user, { at, push: false });
      const push = followPush(sandbox, user.oaOpenid, 'subscribe', at);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => postXml(i % 2 === 0 ? a.url : b.url, push)),
      );
      expect(answers.every((r) => r.status === 200 && r.text === 'success')).toBe(true);
      expect(await a.deps.models.Inbox.countDocuments()).toBe(1);
      const stored =
        (await a.deps.metrics.eventsReceived.get()).values.reduce((n, v) => n + v.value, 0) +
        (await b.deps.metrics.eventsReceived.get()).values.reduce((n, v) => n + v.value, 0);
      expect(stored).toBe(1);
      await inboxSettled(a.deps);
      const item = await a.deps.models.Inbox.findOne({}).lean();
      expect(item).toMatchObject({ status: 'done', attempts: 1 });
      expect(await followerOf(a.deps, user.oaOpenid)).toMatchObject({
        subscribed: true,
        unionid: user.unionid,
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await sandbox.close();
    }
  });
});

describe('pushes arriving together', () => {
  // Concurrent pushes share insert commands (platform/insert-batcher.ts); a
  // copy of one of them in the same commands is still answered as stored
  // once. Plaintext too: its signed-query binding rides in the same insert.
  test.each(['safe', 'plain'] as const)(
    '%s: 30 pushes and 5 retried copies, sent at once: all answered, 30 stored, in fewer commands',
    async (mode) => {
      const server = await startTestServer({ env: { OFFICIAL_ACCOUNT_ENCRYPT_MODE: mode } });
      try {
        const { sandbox } = server;
        sandbox.setPushTarget(null);
        const at = Math.floor(Date.now() / 1000);
        const pushes = Array.from({ length: 30 }, () =>
          followPush(sandbox, sandbox.createUser().oaOpenid, 'subscribe', at, mode),
        );
        const copies = pushes.slice(0, 5);
        // Both slots busy for a while: the other pushes wait and share commands.
        holdFirstInserts(server.deps.models.Inbox.collection, 2, 300);
        const answers = await Promise.all(
          [...pushes, ...copies].map((push) => postXml(server.url, push)),
        );
        expect(answers.filter((r) => r.status === 200 && r.text === 'success')).toHaveLength(35);
        expect(await server.deps.models.Inbox.countDocuments()).toBe(30);
        const dedup = await server.deps.metrics.eventsDeduplicated.get();
        expect(dedup.values[0]?.value).toBe(5);
        const sizes = (await server.deps.metrics.dbInsertBatchSize.get()).values.filter(
          (v) => v.labels.collection === 'oa_inbox',
        );
        const sent = sizes.find((v) => v.metricName === 'db_insert_batch_size_sum')?.value;
        const commands = sizes.find((v) => v.metricName === 'db_insert_batch_size_count')?.value;
        expect(sent).toBe(35);
        expect(commands).toBeLessThan(35);
      } finally {
        jest.restoreAllMocks();
        await server.close();
      }
    },
  );
});

describe('a QR-scene follow', () => {
  test('records the scene and the unionid', async () => {
    const server = await startTestServer({ workers: FAST_WORKERS });
    try {
      const { sandbox } = server;
      sandbox.setPushTarget({ url: server.url + EVENTS_PATH, mode: 'safe' });
      const user = sandbox.createUser();
      const res = await sandbox.follow(user, { scene: 'poster42' });
      expect(res?.delivered).toBe(true);
      const follower = await eventually(async () => {
        const f = await followerOf(server.deps, user.oaOpenid);
        return f?.unionid ? f : undefined;
      });
      expect(follower).toMatchObject({
        subscribed: true,
        scene: 'poster42',
        unionid: user.unionid,
      });
    } finally {
      await server.close();
    }
  });
});
