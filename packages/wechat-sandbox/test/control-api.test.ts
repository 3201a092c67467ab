import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxClient, SandboxClientError } from '../src';
import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

let t: TestSandbox;
let client: SandboxClient;
beforeEach(async () => {
  t = await startTestSandbox();
  client = new SandboxClient(t.sandbox.url);
});
afterEach(() => t.sandbox.close());

describe('control API (/__sandbox) through SandboxClient', () => {
  it('creates users, lists them and mints working login codes', async () => {
    const bound = await client.createUser({ nickName: 'Alice' });
    const unbound = await client.createUser({ unbound: true });
    expect(bound.unionid).toMatch(/^o/);
    expect(unbound.unionid).toBeNull();
    const { total, users } = await client.users();
    expect(total).toBe(2);
    expect(users.map((u) => u.nickName)).toEqual(['Alice', expect.any(String)]);

    const code = await client.loginCode(bound.id);
    const r = await t.login(code);
    expect(r.openid).toBe(bound.miniOpenid);
    expect((await client.user(bound.id)).hasSession).toBe(true);
  });

  it('users can be addressed by any of their openids', async () => {
    const u = await client.createUser();
    expect((await client.user(u.oaOpenid)).id).toBe(u.id);
    expect((await client.user(u.miniOpenid)).id).toBe(u.id);
  });

  it('follow/unfollow change state and push to the configured target', async () => {
    const got: string[] = [];
    const rx = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push(body);
        res.end('success');
      });
    });
    await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
    try {
      const rxUrl = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/events`;
      await client.setPushTarget({ url: rxUrl, mode: 'safe' });
      expect((await client.config()).pushTarget).toEqual({ url: rxUrl, mode: 'safe' });
      const u = await client.createUser();
      const followed = await client.follow(u.id, { scene: 'qr1' });
      expect(followed.user.following).toBe(true);
      expect(followed.push?.delivered).toBe(true);
      const unfollowed = await client.unfollow(u.id, { push: false });
      expect(unfollowed.user.following).toBe(false);
      expect(unfollowed.push).toBeNull();
      expect(got).toHaveLength(1);
      expect(got[0]).toContain('<Encrypt>');
    } finally {
      rx.closeAllConnections();
      await new Promise((r) => rx.close(r));
    }
  });

  it('faults, token invalidation, phone quota, stats and the event log', async () => {
    await client.injectFault('cgi-bin/token', { errcode: -1, times: 1 });
    const { appid, secret } = t.sandbox.config.officialAccount;
    expect(
      (await t.get('/cgi-bin/token', { grant_type: 'client_credential', appid, secret })).errcode,
    ).toBe(-1);
    await client.clearFaults();
    const token = await t.oaToken();
    await client.invalidateAccessToken(appid);
    expect((await t.get('/cgi-bin/user/get', { access_token: token })).errcode).toBe(40001);

    await client.setPhoneQuota(0);
    const u = await client.createUser();
    await expect(client.phoneCode(u.id)).rejects.toMatchObject({ status: 409 });
    await client.setPhoneQuota(null);
    const phoneCode = await client.phoneCode(u.id);
    const mp = await t.mpToken();
    expect(
      (await t.post('/wxa/business/getuserphonenumber', { code: phoneCode }, { access_token: mp }))
        .errcode,
    ).toBe(0);

    const stats = await client.stats();
    expect(stats.tokensIssued[appid]).toBe(1);
    expect(stats.calls['cgi-bin/token']).toBe(1);
    const events = await client.events();
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['fault', 'token.invalidated', 'user.created']),
    );
    const lastSeq = events[events.length - 1]!.seq;
    expect(await client.events(lastSeq)).toEqual([]);
    // The log never carries secrets.
    const text = JSON.stringify(events);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(token);
    expect(text).not.toContain(t.sandbox.sessionKeyOf(u.id));
  });

  it('answers typed errors: 404 unknown user, 400 bad input', async () => {
    await expect(client.loginCode('u999')).rejects.toMatchObject({
      code: 'REQUEST_FAILED',
      status: 404,
    });
    await expect(client.injectFault('nope', { errcode: -1 })).rejects.toMatchObject({
      status: 400,
    });
    await expect(client.createUser({ gender: 7 as 0 })).rejects.toMatchObject({ status: 400 });
    const users = t.sandbox.stats().users;
    for (const following of [5, ['wx1', 2], 'yes']) {
      const bad = await fetch(`${t.sandbox.url}/__sandbox/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ following }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
        /following must be a boolean or a list of official-account appids/,
      );
    }
    // The library refuses the same values with the same message, and nothing was created either way.
    expect(() => t.sandbox.createUser({ following: 5 as unknown as boolean })).toThrow(
      /following must be a boolean or a list of official-account appids/,
    );
    expect(t.sandbox.stats().users).toBe(users);
    const res = await fetch(`${t.sandbox.url}/__sandbox/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });

  it('reports a sandbox that is not running', async () => {
    const closed = await startTestSandbox();
    const url = closed.sandbox.url;
    await closed.sandbox.close();
    const err = await new SandboxClient(url).stats().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxClientError);
    expect(err).toMatchObject({ code: 'NOT_RUNNING' });
    expect((err as Error).message).toContain('npm run sandbox -- serve');
  });

  it('answers unknown WeChat routes with 404 and errcode 40066', async () => {
    const res = await fetch(`${t.sandbox.url}/cgi-bin/menu/create`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errcode: number }).errcode).toBe(40066);
  });
});
