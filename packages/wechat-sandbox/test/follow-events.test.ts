import { SandboxClient } from '../src';
import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';
import { field, startReceiver } from './receiver';
import type { Receiver } from './receiver';

/**
 * Follower events as WeChat pushes them ("扫描带参数二维码事件"): subscribe with
 * qrscene_ only through a QR code, SCAN for a follower scanning one, nothing
 * for a repeat follow or unfollow, and no push at all when WeChat gave up.
 */

let t: TestSandbox;
let rx: Receiver;
beforeEach(async () => {
  t = await startTestSandbox();
  rx = await startReceiver();
  t.sandbox.setPushTarget({ url: rx.url, mode: 'plain' });
});
afterEach(async () => {
  await t.sandbox.close();
  await rx.close();
});

describe('follow / unfollow pushes', () => {
  it('a plain follow pushes subscribe with an empty EventKey (as WeChat sends it) and no Ticket', async () => {
    const user = t.sandbox.createUser();
    expect((await t.sandbox.follow(user))?.delivered).toBe(true);
    const body = rx.received[0]!.body;
    expect(field(body, 'Event')).toBe('subscribe');
    expect(field(body, 'EventKey')).toBe('');
    expect(field(body, 'Ticket')).toBeUndefined();
  });

  it('a follow through a QR code carries EventKey qrscene_<scene> and a Ticket', async () => {
    const user = t.sandbox.createUser();
    await t.sandbox.follow(user, { scene: 'poster42' });
    const body = rx.received[0]!.body;
    expect([field(body, 'Event'), field(body, 'EventKey')]).toEqual([
      'subscribe',
      'qrscene_poster42',
    ]);
    expect(field(body, 'Ticket')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('a follower scanning a QR code pushes SCAN with the bare scene, the same Ticket, no state change', async () => {
    const user = t.sandbox.createUser();
    await t.sandbox.follow(user, { scene: 'poster42', at: 1_700_000_000 });
    const r = await t.sandbox.follow(user, { scene: 'poster42', at: 1_700_000_500 });
    expect(r?.delivered).toBe(true);
    const [sub, scan] = rx.received.map((x) => x.body);
    expect(field(scan!, 'Event')).toBe('SCAN');
    expect(field(scan!, 'EventKey')).toBe('poster42');
    expect(field(scan!, 'Ticket')).toBe(field(sub!, 'Ticket'));
    expect(field(scan!, 'CreateTime')).toBe('1700000500');
    // subscribe_time and the follow channel stay those of the subscribe.
    expect(t.sandbox.getUser(user)).toMatchObject({
      following: true,
      subscribeTime: 1_700_000_000,
      scene: 'poster42',
    });
  });

  it('a repeat follow without a QR code and a repeat unfollow push nothing', async () => {
    const user = t.sandbox.createUser({ following: true });
    expect(await t.sandbox.follow(user)).toBeNull();
    expect(await t.sandbox.unfollow(user)).not.toBeNull();
    expect(await t.sandbox.unfollow(user)).toBeNull();
    expect(rx.received.map((x) => field(x.body, 'Event'))).toEqual(['unsubscribe']);
    expect(t.sandbox.stats().pushes).toBe(1);
  });

  it('push: false changes state without a push (WeChat gave up on delivery)', async () => {
    const user = t.sandbox.createUser({ following: true });
    expect(await t.sandbox.unfollow(user, { push: false })).toBeNull();
    expect(t.sandbox.getUser(user).following).toBe(false);
    expect(rx.received).toHaveLength(0);
    // The control API and client offer the same.
    const client = new SandboxClient(t.sandbox.url);
    const followed = await client.follow(user.id, { push: false });
    expect(followed).toMatchObject({ push: null, user: { following: true } });
    const left = await client.unfollow(user.id, { push: false });
    expect(left).toMatchObject({ push: null, user: { following: false } });
    expect(rx.received).toHaveLength(0);
    // user/info tells the truth even though no push arrived.
    const info = await t.get('/cgi-bin/user/info', {
      access_token: await t.oaToken(),
      openid: user.oaOpenid,
    });
    expect(info.subscribe).toBe(0);
  });
});
