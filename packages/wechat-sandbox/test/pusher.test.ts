import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

/** A scripted receiver: each request gets the next behaviour (the last one repeats). */
type Behaviour = { status: number; body: string } | 'hang';

interface Received {
  url: URL;
  contentType: string | undefined;
  body: string;
}

async function receiver(script: Behaviour[]) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        url: new URL(req.url ?? '/', 'http://x'),
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const step = script[Math.min(received.length - 1, script.length - 1)]!;
      if (step === 'hang') return; // never answer
      res.writeHead(step.status, { 'content-type': 'text/plain' });
      res.end(step.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/wechat/official-account/events`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let t: TestSandbox;
let rx: Awaited<ReturnType<typeof receiver>> | null = null;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(async () => {
  await t.sandbox.close();
  await rx?.close();
  rx = null;
});

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

describe('push delivery', () => {
  it('follow() pushes a signed plaintext subscribe event', async () => {
    rx = await receiver([{ status: 200, body: 'success' }]);
    t.sandbox.setPushTarget({ url: rx.url, mode: 'plain' });
    const user = t.sandbox.createUser();
    const result = await t.sandbox.follow(user, { at: 1_700_000_123, scene: 'poster42' });
    expect(result?.delivered).toBe(true);
    expect(result?.attempts).toHaveLength(1);
    expect(result?.attempts[0]).toMatchObject({ status: 200, body: 'success' });

    const got = rx.received[0]!;
    expect(got.contentType).toBe('text/xml');
    const q = got.url.searchParams;
    expect(q.get('openid')).toBe(user.oaOpenid);
    expect(q.get('timestamp')).toBe(String(t.clock.seconds()));
    expect(q.get('encrypt_type')).toBeNull();
    const { token, originalId } = t.sandbox.config.officialAccount;
    expect(q.get('signature')).toBe(
      sha1([token, q.get('timestamp'), q.get('nonce')].sort().join('')),
    );
    expect(got.body).toBe(
      `<xml><ToUserName><![CDATA[${originalId}]]></ToUserName><FromUserName><![CDATA[${user.oaOpenid}]]></FromUserName>` +
        '<CreateTime>1700000123</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>' +
        `<EventKey><![CDATA[qrscene_poster42]]></EventKey><Ticket><![CDATA[${/<Ticket><!\[CDATA\[([^\]]+)\]\]>/.exec(got.body)?.[1]}]]></Ticket></xml>`,
    );
    expect(t.sandbox.getUser(user).following).toBe(true);
    expect(t.sandbox.stats().pushes).toBe(1);
  });

  it('unfollow() pushes unsubscribe; push:false and no target only change state', async () => {
    const user = t.sandbox.createUser({ following: true });
    expect(await t.sandbox.unfollow(user)).toBeNull(); // no target
    expect(t.sandbox.getUser(user).following).toBe(false);
    rx = await receiver([{ status: 200, body: '' }]);
    t.sandbox.setPushTarget({ url: rx.url, mode: 'plain' });
    expect(await t.sandbox.follow(user, { push: false })).toBeNull();
    expect(rx.received).toHaveLength(0);
    const r = await t.sandbox.unfollow(user, { at: 1_700_000_999 });
    expect(r?.delivered).toBe(true);
    expect(rx.received[0]!.body).toContain('<Event><![CDATA[unsubscribe]]></Event>');
    expect(rx.received[0]!.body).toContain('<CreateTime>1700000999</CreateTime>');
  });

  it('retries after failures and stops at the first acknowledged answer', async () => {
    rx = await receiver([
      { status: 500, body: 'oops' },
      { status: 200, body: 'not the ack' },
      { status: 200, body: 'success' },
    ]);
    const r = await t.sandbox.push(
      {
        ToUserName: 'gh_x',
        FromUserName: 'o1',
        CreateTime: 1,
        MsgType: 'event',
        Event: 'subscribe',
      },
      { url: rx.url },
    );
    expect(r.delivered).toBe(true);
    expect(r.attempts.map((a) => a.status)).toEqual([500, 200, 200]);
    expect(rx.received).toHaveLength(3);
  });

  it('gives up after 1 try + 3 retries by default', async () => {
    rx = await receiver([{ status: 503, body: '' }]);
    const r = await t.sandbox.push({ FromUserName: 'o1', MsgType: 'event' }, { url: rx.url });
    expect(r.delivered).toBe(false);
    expect(r.attempts).toHaveLength(4);
    expect(t.sandbox.stats().pushAttempts).toBe(4);
  });

  it('times out a hanging receiver and retries (short timeout)', async () => {
    rx = await receiver(['hang', 'hang', { status: 200, body: 'success' }]);
    const started = Date.now();
    const r = await t.sandbox.push(
      { FromUserName: 'o1' },
      { url: rx.url, timeoutMs: 150, retries: 2 },
    );
    expect(r.delivered).toBe(true);
    expect(r.attempts.slice(0, 2).map((a) => a.error)).toEqual([
      'timeout after 150 ms',
      'timeout after 150 ms',
    ]);
    expect(r.attempts[0]!.ms).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports connection errors and honours retries: 0', async () => {
    rx = await receiver([{ status: 200, body: 'success' }]);
    const deadUrl = rx.url;
    await rx.close();
    rx = null;
    const r = await t.sandbox.push({ FromUserName: 'o1' }, { url: deadUrl, retries: 0 });
    expect(r.delivered).toBe(false);
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it('needs a target or a url', async () => {
    await expect(t.sandbox.push({ FromUserName: 'o1' })).rejects.toMatchObject({
      code: 'NO_PUSH_TARGET',
    });
    expect(() => t.sandbox.setPushTarget({ url: 'ftp://x', mode: 'plain' })).toThrow(/http/);
    expect(() => t.sandbox.setPushTarget({ url: 'http://x', mode: 'weird' as 'plain' })).toThrow(
      /mode/,
    );
  });

  it('safe mode sends only ToUserName + Encrypt with msg_signature; compat sends both', async () => {
    rx = await receiver([{ status: 200, body: 'success' }]);
    const user = t.sandbox.createUser();
    t.sandbox.setPushTarget({ url: rx.url, mode: 'safe' });
    await t.sandbox.follow(user);
    t.sandbox.setPushTarget({ url: rx.url, mode: 'compat' });
    await t.sandbox.unfollow(user);
    const [safe, compat] = rx.received;
    const { token, originalId } = t.sandbox.config.officialAccount;
    for (const got of [safe!, compat!]) {
      const q = got.url.searchParams;
      expect(q.get('encrypt_type')).toBe('aes');
      const encrypt = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(got.body)?.[1] ?? '';
      expect(encrypt).not.toBe('');
      expect(q.get('msg_signature')).toBe(
        sha1([token, q.get('timestamp'), q.get('nonce'), encrypt].sort().join('')),
      );
      expect(q.get('signature')).toBe(
        sha1([token, q.get('timestamp'), q.get('nonce')].sort().join('')),
      );
    }
    expect(safe!.body).toMatch(
      new RegExp(`^<xml><ToUserName><!\\[CDATA\\[${originalId}\\]\\]></ToUserName><Encrypt>`),
    );
    expect(safe!.body).not.toContain('FromUserName');
    expect(compat!.body).toContain(`<FromUserName><![CDATA[${user.oaOpenid}]]></FromUserName>`);
    expect(compat!.body).toContain('<Encrypt>');
  });
});
