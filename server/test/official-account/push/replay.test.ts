/**
 * Replay protection on the push route: the signed timestamp's window, a
 * CreateTime far in the future, and a plaintext push's signed query bound to
 * its body (an identical retry passes, another body does not, also across two
 * instances sharing a database).
 */
import { startSandbox } from '@wxlink/wechat-sandbox';
import { uniqueDbName } from '@wxlink/testkit';
import { startTestServer, type TestServer } from '../../support/harness';
import { sweepExpiredBindings } from '../../../src/official-account/push/replay-guard';
import { FAST_WORKERS, postXml, signedPush } from '../linkage-support';

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

  test('the background sweep deletes bindings once their timestamp window has passed', async () => {
    const { fields, sign } = follow(server, 'oSwept');
    expect(await postXml(server.url, signedPush(fields, sign))).toEqual({
      status: 200,
      text: 'success',
    });
    const bindings = () => server.deps.models.SignedQuery.countDocuments();
    const live = await bindings();
    expect(live).toBeGreaterThan(0);
    expect(await sweepExpiredBindings(server.deps)).toBe(0);
    const past = new Date(Date.now() + 3600_000); // beyond PUSH_MAX_AGE_SECONDS and the skew
    expect(await sweepExpiredBindings({ ...server.deps, clock: { now: () => past } })).toBe(live);
    expect(await bindings()).toBe(0);
  });
});

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
