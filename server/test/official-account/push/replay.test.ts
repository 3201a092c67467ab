/**
 * Replay protection on the push route: the signed timestamp's window, a
 * CreateTime far in the future, and a plaintext push's signed query bound to
 * its body (an identical retry passes, another body does not, also across two
 * instances sharing a database).
 */
import { startSandbox } from '@wxlink/wechat-sandbox';
import { uniqueDbName } from '@wxlink/testkit';
import { startTestServer, type TestServer } from '../../support/harness';
import { createHash } from 'node:crypto';
import { signedQueryBinding } from '../../../src/official-account/push/replay-guard';
import { LEGACY_BINDINGS_COLLECTION } from '../../../src/official-account/push/legacy-bindings';
import { pruneProcessedEntries } from '../../../src/official-account/inbox/retention';
import { recordCommands } from '../../support/commands';
import { FAST_WORKERS, inboxSettled, postXml, signedPush } from '../linkage-support';

const nowSeconds = () => Math.floor(Date.now() / 1000);

function follow(server: TestServer, openid: string, opts: { at?: number; event?: string } = {}) {
  const { appid, token } = server.config.officialAccount;
  return {
    fields: {
      ToUserName: 'gh_replay',
      FromUserName: openid,
      CreateTime: opts.at ?? nowSeconds(),
      MsgType: 'event',
      Event: opts.event ?? 'subscribe',
    },
    sign: { token, appid, mode: 'plain' as const },
  };
}

describe('plain mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { OFFICIAL_ACCOUNT_ENCRYPT_MODE: 'plain', PUSH_MAX_AGE_SECONDS: '300' },
      workers: FAST_WORKERS,
    });
  });
  afterAll(() => server.close());
  const inboxCount = () => server.deps.models.Inbox.countDocuments();

  test('a signed timestamp older than PUSH_MAX_AGE_SECONDS is refused, nothing stored', async () => {
    const { fields, sign } = follow(server, 'oStale');
    const before = await inboxCount();
    const old = await postXml(
      server.url,
      signedPush(fields, { ...sign, timestamp: nowSeconds() - 301 }),
    );
    expect(old).toEqual({ status: 400, text: 'rejected' });
    const future = await postXml(
      server.url,
      signedPush(fields, { ...sign, timestamp: nowSeconds() + 120 }),
    );
    expect(future).toEqual({ status: 400, text: 'rejected' });
    expect(await inboxCount()).toBe(before);
    // Inside the window (and within the clock skew ahead) it is accepted.
    const fresh = await postXml(
      server.url,
      signedPush(fields, { ...sign, timestamp: nowSeconds() - 250 }),
    );
    expect(fresh).toEqual({ status: 200, text: 'success' });
    const ahead = await postXml(
      server.url,
      signedPush({ ...fields, FromUserName: 'oAhead' }, { ...sign, timestamp: nowSeconds() + 30 }),
    );
    expect(ahead).toEqual({ status: 200, text: 'success' });
    expect(await inboxCount()).toBe(before + 2);
  });

  test('a CreateTime beyond the clock skew in the future is refused', async () => {
    const { fields, sign } = follow(server, 'oFuture', {
      at: Date.UTC(2036, 0, 1) / 1000,
      event: 'unsubscribe',
    });
    const before = await inboxCount();
    expect(await postXml(server.url, signedPush(fields, sign))).toEqual({
      status: 400,
      text: 'rejected',
    });
    const slightly = follow(server, 'oSkew', { at: nowSeconds() + 30 });
    expect(await postXml(server.url, signedPush(slightly.fields, slightly.sign))).toEqual({
      status: 200,
      text: 'success',
    });
    expect(await inboxCount()).toBe(before + 1);
  });

  test('a signed query replayed with another body is refused; the identical retry passes', async () => {
    const { fields, sign } = follow(server, 'oVictim');
    const genuine = signedPush(fields, sign);
    expect(await postXml(server.url, genuine)).toEqual({ status: 200, text: 'success' });
    // WeChat's retry: same URL, same body.
    expect(await postXml(server.url, genuine)).toEqual({ status: 200, text: 'success' });
    const before = await inboxCount();
    // The URL from a log, with a forged unsubscribe of someone else.
    const forged = signedPush(
      { ...fields, FromUserName: 'oOther', Event: 'unsubscribe' },
      {
        ...sign,
        timestamp: Number(new URLSearchParams(genuine.path.split('?')[1]).get('timestamp')),
      },
    );
    const replay = { path: genuine.path, body: forged.body };
    expect(await postXml(server.url, replay)).toEqual({ status: 401, text: 'invalid signature' });
    expect(await inboxCount()).toBe(before);
    expect(await server.deps.models.Inbox.countDocuments({ openid: 'oOther' })).toBe(0);
  });

  test('the push is its own binding: one insert stores and binds it', async () => {
    const { fields, sign } = follow(server, 'oOneInsert');
    const recorder = recordCommands(server, (c) => c.name === 'insert');
    expect(await postXml(server.url, signedPush(fields, sign))).toEqual({
      status: 200,
      text: 'success',
    });
    expect(recorder.stop().map((c) => c.collection)).toEqual(['oa_inbox']);
    const entry = await server.deps.models.Inbox.findOne({ openid: 'oOneInsert' }).lean();
    expect(entry?.signedQuery?.key).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a retry WeChat signed anew is a duplicate, and its query is bound to the body too', async () => {
    const { fields, sign } = follow(server, 'oResigned');
    const first = signedPush(fields, sign);
    const resigned = signedPush(fields, { ...sign, nonce: 'resigned-1' });
    expect(await postXml(server.url, first)).toEqual({ status: 200, text: 'success' });
    const before = await inboxCount();
    expect(await postXml(server.url, resigned)).toEqual({ status: 200, text: 'success' });
    // Not stored again: one stub holds the second query's binding.
    expect(await server.deps.models.Inbox.countDocuments({ openid: 'oResigned' })).toBe(1);
    expect(await inboxCount()).toBe(before + 1);
    const forged = { path: resigned.path, body: first.body.replace('oResigned', 'oResignedX') };
    expect(await postXml(server.url, forged)).toEqual({ status: 401, text: 'invalid signature' });
    expect(await server.deps.models.Inbox.countDocuments({ openid: 'oResignedX' })).toBe(0);
  });

  test('an unfollow erases the entries but keeps their live bindings, as stubs', async () => {
    const user = server.sandbox.createUser();
    await server.sandbox.follow(user, { push: false });
    const subscribe = follow(server, user.oaOpenid);
    const followed = signedPush(subscribe.fields, subscribe.sign);
    expect(await postXml(server.url, followed)).toEqual({ status: 200, text: 'success' });
    await inboxSettled(server.deps);
    await server.sandbox.unfollow(user, { push: false });
    const unsubscribe = follow(server, user.oaOpenid, {
      at: nowSeconds() + 1,
      event: 'unsubscribe',
    });
    const unfollowed = signedPush(unsubscribe.fields, unsubscribe.sign);
    expect(await postXml(server.url, unfollowed)).toEqual({ status: 200, text: 'success' });
    await inboxSettled(server.deps);

    // Nothing of the follower is left in the inbox; two stubs keep the two bindings.
    expect(await server.deps.models.Inbox.countDocuments({ openid: user.oaOpenid })).toBe(0);
    const stubs = await server.deps.models.Inbox.find({
      dedupKey: { $in: [followed, unfollowed].map((p) => `binding:${bindingKeyOf(server, p)}`) },
    }).lean();
    expect(stubs).toHaveLength(2);
    for (const stub of stubs) {
      expect(stub).toMatchObject({ openid: '', payload: {}, status: 'done', createTime: 0 });
      expect(JSON.stringify(stub)).not.toContain(user.oaOpenid);
    }
    // The logged subscribe URL cannot carry another body...
    const forged = { path: followed.path, body: followed.body.replace('subscribe', 'SCAN') };
    expect(await postXml(server.url, forged)).toEqual({ status: 401, text: 'invalid signature' });
    // ...and WeChat's late retry of the unfollow is a duplicate, not handled again.
    const processed = await server.deps.metrics.eventsProcessed.get();
    expect(await postXml(server.url, unfollowed)).toEqual({ status: 200, text: 'success' });
    expect(await server.deps.models.Inbox.countDocuments({ openid: user.oaOpenid })).toBe(0);
    expect(await server.deps.metrics.eventsProcessed.get()).toEqual(processed);
  });

  test('pruning spares a binding until its window has passed, even with 0 days of retention', async () => {
    const user = server.sandbox.createUser();
    await server.sandbox.follow(user, { push: false });
    const { fields, sign } = follow(server, user.oaOpenid);
    const push = signedPush(fields, sign);
    expect(await postXml(server.url, push)).toEqual({ status: 200, text: 'success' });
    await inboxSettled(server.deps);
    const noRetention = {
      ...server.deps,
      config: {
        ...server.deps.config,
        linkage: { ...server.deps.config.linkage, inboxRetentionDays: 0 },
      },
    };
    const entry = () =>
      server.deps.models.Inbox.countDocuments({ openid: user.oaOpenid, status: 'done' });
    const soon = new Date(Date.now() + 60_000);
    await pruneProcessedEntries({ ...noRetention, clock: { now: () => soon } });
    expect(await entry()).toBe(1);
    const past = new Date(Date.now() + 3600_000); // beyond PUSH_MAX_AGE_SECONDS and the skew
    await pruneProcessedEntries({ ...noRetention, clock: { now: () => past } });
    expect(await entry()).toBe(0);
  });
});

/** The binding key the server derives for a signed push (as replay-guard.ts does). */
function bindingKeyOf(server: TestServer, push: { path: string }): string {
  const q = new URLSearchParams(push.path.split('?')[1]);
  const use = {
    appid: server.config.officialAccount.appid,
    timestamp: q.get('timestamp') ?? '',
    nonce: q.get('nonce') ?? '',
    signature: q.get('signature') ?? '',
    body: '',
  };
  return signedQueryBinding(use, 0, 0).key;
}

describe('compat mode', () => {
  test('a logged compat URL cannot carry a plaintext body of its own', async () => {
    const server = await startTestServer({
      env: { OFFICIAL_ACCOUNT_ENCRYPT_MODE: 'compat' },
      workers: FAST_WORKERS,
    });
    try {
      const { appid, token, aesKeys } = server.config.officialAccount;
      const aesKey = server.sandbox.config.officialAccount.encodingAesKey;
      expect(aesKeys.length).toBeGreaterThan(0);
      const fields = follow(server, 'oCompat').fields;
      const genuine = signedPush(fields, { token, appid, aesKey, mode: 'compat' });
      expect(await postXml(server.url, genuine)).toEqual({ status: 200, text: 'success' });
      // The same query without encrypt_type, as a plaintext push of another body.
      const q = new URLSearchParams(genuine.path.split('?')[1]);
      q.delete('encrypt_type');
      q.delete('msg_signature');
      const forged = signedPush(
        { ...fields, FromUserName: 'oCompatOther', Event: 'unsubscribe' },
        { token, appid, mode: 'plain' },
      );
      const path = `${genuine.path.split('?')[0]}?${q.toString()}`;
      expect(await postXml(server.url, { path, body: forged.body })).toEqual({
        status: 401,
        text: 'invalid signature',
      });
      expect(await server.deps.models.Inbox.countDocuments({ openid: 'oCompatOther' })).toBe(0);
      // WeChat's retry of the encrypted push still passes.
      expect(await postXml(server.url, genuine)).toEqual({ status: 200, text: 'success' });
    } finally {
      await server.close();
    }
  });
});

describe('after an upgrade from the separate binding collection', () => {
  test('a binding an earlier version wrote is honoured until its window passes, then no longer read', async () => {
    const dbName = uniqueDbName('push-legacy');
    let nowMs = Date.now();
    const server = await startTestServer({
      dbName,
      env: { OFFICIAL_ACCOUNT_ENCRYPT_MODE: 'plain' },
      workers: FAST_WORKERS,
      clock: { now: () => new Date(nowMs) },
    });
    try {
      const { fields, sign } = follow(server, 'oLegacy');
      const logged = signedPush(fields, sign);
      // Written before the upgrade: this query with this body.
      const legacy = server.deps.db.collection(LEGACY_BINDINGS_COLLECTION);
      const key = bindingKeyOf(server, logged);
      const bodyHash = createHash('sha256').update(logged.body).digest('hex');
      await legacy.insertOne({ queryKey: key, bodyHash, expiresAt: new Date(nowMs + 300_000) });

      const forged = { path: logged.path, body: logged.body.replace('oLegacy', 'oLegacyX') };
      expect(await postXml(server.url, forged)).toEqual({ status: 401, text: 'invalid signature' });
      expect(await postXml(server.url, logged)).toEqual({ status: 200, text: 'success' });

      // Past the newest legacy binding, the collection is not read again.
      nowMs += 301_000;
      const recorder = recordCommands(server, (c) => c.collection === LEGACY_BINDINGS_COLLECTION);
      const later = follow(server, 'oLegacyLater', { at: Math.floor(nowMs / 1000) });
      const push = signedPush(later.fields, { ...later.sign, timestamp: Math.floor(nowMs / 1000) });
      expect(await postXml(server.url, push)).toEqual({ status: 200, text: 'success' });
      expect(recorder.stop()).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('two instances sharing a database', () => {
  test('the binding holds across instances: a retry at the other one passes, another body does not', async () => {
    const sandbox = await startSandbox();
    const dbName = uniqueDbName('push-replay');
    const env = { OFFICIAL_ACCOUNT_ENCRYPT_MODE: 'plain' };
    const a = await startTestServer({ sandbox, dbName, env, workers: FAST_WORKERS });
    const b = await startTestServer({ sandbox, dbName, env, workers: FAST_WORKERS });
    try {
      const { fields, sign } = follow(a, 'oTwo');
      const genuine = signedPush(fields, sign);
      expect(await postXml(a.url, genuine)).toEqual({ status: 200, text: 'success' });
      expect(await postXml(b.url, genuine)).toEqual({ status: 200, text: 'success' });
      const other = { path: genuine.path, body: genuine.body.replace('oTwo', 'oTwoForged') };
      expect(await postXml(b.url, other)).toEqual({ status: 401, text: 'invalid signature' });
      expect(await a.deps.models.Inbox.countDocuments({ openid: 'oTwo' })).toBe(1);
      expect(await a.deps.models.Inbox.countDocuments({ openid: 'oTwoForged' })).toBe(0);
    } finally {
      await a.close();
      await b.close();
      await sandbox.close();
    }
  });
});
