import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_PUSH_ATTEMPTS, DEFAULT_PUSH_TIMEOUT_MS } from '../src/pusher';
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

  it('does not retry an answer, even a 5xx or an unexpected body (WeChat retries only silence)', async () => {
    rx = await receiver([{ status: 500, body: 'oops' }]);
    const r = await t.sandbox.push({ FromUserName: 'o1', MsgType: 'event' }, { url: rx.url });
    expect(r).toMatchObject({ delivered: false, outcome: 'rejected' });
    expect(r.attempts.map((a) => a.status)).toEqual([500]);
    await rx.close();
    rx = await receiver([{ status: 200, body: '{"ok":true}' }]);
    const json = await t.sandbox.push({ FromUserName: 'o1' }, { url: rx.url });
    expect(json).toMatchObject({ delivered: false, outcome: 'rejected' });
    expect(rx.received).toHaveLength(1);
  });

  it('acknowledged by success, an empty body or a passive-reply XML', async () => {
    for (const body of ['success', '', '<xml><MsgType>text</MsgType></xml>']) {
      rx = await receiver([{ status: 200, body }]);
      const r = await t.sandbox.push({ FromUserName: 'o1' }, { url: rx.url });
      expect(r).toMatchObject({ delivered: true, outcome: 'acknowledged' });
      await rx.close();
      rx = null;
    }
  });

  it('makes 3 attempts in all by default, each after a silent window', async () => {
    const fast = await startTestSandbox({ pushTimeoutMs: 100 });
    try {
      rx = await receiver(['hang']);
      const started = Date.now();
      const r = await fast.sandbox.push({ FromUserName: 'o1' }, { url: rx.url });
      expect(r).toMatchObject({ delivered: false, outcome: 'unanswered' });
      expect(r.attempts.map((a) => a.error)).toEqual(Array(3).fill('timeout after 100 ms'));
      expect(rx.received).toHaveLength(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(fast.sandbox.stats().pushAttempts).toBe(3);
    } finally {
      await fast.sandbox.close();
    }
  });

  it("uses WeChat's window (5000 ms) and attempts (3) unless configured", async () => {
    rx = await receiver(['hang', { status: 200, body: 'success' }]);
    const r = await t.sandbox.push({ FromUserName: 'o1' }, { url: rx.url, timeoutMs: 150 });
    expect(r.delivered).toBe(true);
    expect(r.attempts[0]!.error).toBe('timeout after 150 ms');
    expect([DEFAULT_PUSH_ATTEMPTS, DEFAULT_PUSH_TIMEOUT_MS]).toEqual([3, 5000]);
  });

  it('waits out the window after a refused connection before the next attempt', async () => {
    rx = await receiver([{ status: 200, body: 'success' }]);
    const deadUrl = rx.url;
    await rx.close();
    rx = null;
    const started = Date.now();
    const r = await t.sandbox.push({ FromUserName: 'o1' }, { url: deadUrl, timeoutMs: 150 });
    expect(r).toMatchObject({ delivered: false, outcome: 'unanswered' });
    expect(r.attempts).toHaveLength(3);
    expect(r.attempts[0]!.error).toMatch(/ECONNREFUSED/);
    // Two full windows pass before the third attempt: not back to back.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const once = await t.sandbox.push({ FromUserName: 'o1' }, { url: deadUrl, attempts: 1 });
    expect(once.attempts).toHaveLength(1);
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
