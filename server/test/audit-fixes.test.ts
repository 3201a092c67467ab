/**
 * Regression tests for the audit findings: TRUST_PROXY validation, OPTIONS,
 * body parsing on unknown routes, the dev demo user, /readyz timeout, repeated
 * stop signals, WWW-Authenticate, the nickname message, OAuth error pages and
 * absolute avatar URLs on our own origin.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorEnvelopeSchema } from '@wxlink/contracts';
import { startSandbox } from '@wxlink/wechat-sandbox';
import express from 'express';
import type { AppDeps } from '../src/deps';
import { ConfigError, loadConfig, parseTrustProxy } from '../src/config';
import { ensureDemoUser, nextSteps } from '../src/dev-demo';
import { createHealthRouter, READY_PING_TIMEOUT_MS } from '../src/http/health-routes';
import { normalizeAvatarUrl } from '../src/mini-program/profile/avatar';
import { renderOAuthErrorPage } from '../src/official-account/oauth/page';
import { createSignalHandler, REPEATED_SIGNAL_WINDOW_MS } from '../src/platform/shutdown-signals';
import { EVENTS_PATH, FAST_WORKERS, eventually } from './official-account/linkage-support';
import { startTestServer, type ApiResult, type TestServer } from './support/harness';

const PUBLIC_BASE_URL = 'https://api.example.com';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    workers: FAST_WORKERS,
    env: { PUBLIC_BASE_URL },
    sandboxOptions: { acceptUnknownLoginCodes: true },
  });
  t.sandbox.setPushTarget({ url: t.url + EVENTS_PATH, mode: 'safe' });
});
afterAll(async () => {
  await t?.close();
});

function expectError(res: ApiResult, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(ErrorEnvelopeSchema.parse(res.body).error.code).toBe(code);
}

describe('1. TRUST_PROXY is validated at config time', () => {
  const base = {
    MINIPROGRAM_APPID: 'wx1111111111111111',
    MINIPROGRAM_SECRET: 's',
    OFFICIAL_ACCOUNT_APPID: 'wx2222222222222222',
    OFFICIAL_ACCOUNT_SECRET: 's',
    OFFICIAL_ACCOUNT_TOKEN: 'pushtoken1',
  };
  const problemsFor = (value: string): readonly string[] => {
    try {
      loadConfig({ ...base, TRUST_PROXY: value });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it.each(['garbage', '10.0.0.1,', '300.1.1.1', '10.0.0.0/33', 'loopback,,linklocal', '1.5'])(
    'rejects %j with one line naming TRUST_PROXY, as Express would have crashed',
    (value) => {
      const problems = problemsFor(value);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^TRUST_PROXY must be /);
      expect(problems[0]).not.toContain(value);
      // The value really is one Express refuses (what used to crash at start).
      expect(() => express().set('trust proxy', value)).toThrow();
    },
  );

  it.each([
    ['true', true],
    ['false', false],
    ['', false],
    ['2', 2],
    ['loopback', 'loopback'],
    [' loopback , 10.0.0.0/8 ', 'loopback,10.0.0.0/8'],
    ['linklocal, uniquelocal, ::1, 192.168.0.0/255.255.0.0', null],
  ])('accepts %j, which Express then takes', (value, expected) => {
    const config = loadConfig({ ...base, TRUST_PROXY: value });
    if (expected !== null) expect(config.trustProxy).toEqual(expected);
    expect(() => express().set('trust proxy', config.trustProxy)).not.toThrow();
  });

  it('flags a hop count too large to be an integer', () => {
    expect(parseTrustProxy('9'.repeat(30))).toBeUndefined();
  });
});

describe('2. OPTIONS is not a route anywhere', () => {
  it.each([
    '/api/v1/me',
    '/api/v1/sessions',
    '/api/v1/me/profile',
    '/healthz',
    '/wechat/official-account/events',
    '/api/v1/nope',
  ])('OPTIONS %s → 404 NOT_FOUND without an Allow list', async (path) => {
    const res = await t.raw('OPTIONS', path, {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expectError(res, 404, 'NOT_FOUND');
    expect(res.headers.get('allow')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
  });
});

describe('3. unknown routes are 404 whatever their body', () => {
  const big = JSON.stringify({ code: 'x'.repeat(200 * 1024) });
  const json = { 'content-type': 'application/json' };

  it.each([
    ['POST', '/api/v1/nope'],
    ['PUT', '/api/v1/me/nope'],
    ['DELETE', '/api/v1/sessions/other'],
  ])('%s %s: 200 KB → 404, malformed JSON → 404', async (method, path) => {
    expectError(await t.raw(method, path, { body: big, headers: json }), 404, 'NOT_FOUND');
    expectError(await t.raw(method, path, { body: '{"a":', headers: json }), 404, 'NOT_FOUND');
  });

  it('known routes still parse first: 413 and 400', async () => {
    const path = '/api/v1/sessions';
    expectError(await t.raw('POST', path, { body: big, headers: json }), 413, 'PAYLOAD_TOO_LARGE');
    expectError(
      await t.raw('POST', path, { body: '{"a":', headers: json }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await t.raw('PUT', '/api/v1/me/profile', { body: big, headers: json }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expectError(
      await t.raw('POST', '/api/v1/me/phone', { body: '[', headers: json }),
      400,
      'VALIDATION_FAILED',
    );
  });
});

describe('4. npm run dev: the demo user and a next step that shows', () => {
  it('any DevTools code logs in the printed demo user; following it shows subscribed', async () => {
    const demo = await ensureDemoUser(t.sandbox);
    expect(demo.unionid).not.toBeNull();
    // Idempotent: the sandbox has one demo user.
    expect((await ensureDemoUser(t.sandbox)).id).toBe(demo.id);

    const steps = nextSteps({ sandboxUrl: t.sandbox.url, port: 3000, demoUserId: demo.id });
    const text = steps.join('\n');
    expect(text).toContain(`npm run sandbox -- follow ${demo.id}`);
    expect(text).toContain(`SANDBOX_URL=${t.sandbox.url}`);
    expect(text).toMatch(/pull down to refresh/i);
    expect(text).toContain('subscribed');

    // What DevTools does: a wx.login code the sandbox never minted.
    const login = await t.api('POST', '/api/v1/sessions', { code: 'devtools0a1b2c3d4e5f' });
    expect(login.status).toBe(201);
    expect(login.body.user.hasUnionId).toBe(true);
    const token = login.body.token as string;
    const before = await t.api('GET', '/api/v1/me/subscription', undefined, token);
    expect(before.body.status).toBe('never');

    // The printed step: `npm run sandbox -- follow <id>`.
    expect((await t.sandbox.follow(demo.id))?.delivered).toBe(true);
    await eventually(
      async () => {
        const r = await t.api('GET', '/api/v1/me/subscription', undefined, token);
        return r.body.status === 'subscribed';
      },
      10_000,
      'subscribed',
    );
  });

  it('fails clearly when the sandbox does not accept unknown codes', async () => {
    const strict = await startSandbox();
    try {
      await expect(ensureDemoUser(strict)).rejects.toThrow(/acceptUnknownLoginCodes/);
    } finally {
      await strict.close();
    }
  });
});

describe('5. /readyz answers within probe timeouts', () => {
  it('a hung database ping is a 503 after 1.5 s, not 5 s', async () => {
    expect(READY_PING_TIMEOUT_MS).toBe(1500);
    const hung = {
      db: { admin: () => ({ ping: () => new Promise<never>(() => undefined) }) },
    } as unknown as AppDeps['db'];
    const app = express().use(
      createHealthRouter({ db: hung, metrics: t.deps.metrics, config: t.config }),
    );
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'SERVICE_UNAVAILABLE',
      );
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(2500);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a live database is ready', async () => {
    const res = await t.raw('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });
});

describe('6. a repeated stop signal within 3 s is ignored', () => {
  function harness() {
    let now = 1_000_000;
    const calls: string[] = [];
    const handle = createSignalHandler({
      now: () => now,
      onShutdown: (s) => calls.push(`shutdown ${s}`),
      onIgnored: (s) => calls.push(`ignored ${s}`),
      onForce: (s) => calls.push(`force ${s}`),
    });
    return {
      calls,
      handle,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('SIGTERM twice within the window: one graceful shutdown, no forced exit', () => {
    const h = harness();
    h.handle('SIGTERM');
    h.advance(50);
    h.handle('SIGTERM');
    h.advance(REPEATED_SIGNAL_WINDOW_MS - 100);
    h.handle('SIGINT');
    expect(REPEATED_SIGNAL_WINDOW_MS).toBe(3000);
    expect(h.calls).toEqual(['shutdown SIGTERM', 'ignored SIGTERM', 'ignored SIGINT']);
  });

  it('a signal after the window forces the exit', () => {
    const h = harness();
    h.handle('SIGINT');
    h.advance(REPEATED_SIGNAL_WINDOW_MS);
    h.handle('SIGINT');
    expect(h.calls).toEqual(['shutdown SIGINT', 'force SIGINT']);
  });
});

describe('7. 401 SESSION_INVALID carries a Bearer challenge', () => {
  it('no token: realm only; a token: error="invalid_token"', async () => {
    const none = await t.api('GET', '/api/v1/me');
    expectError(none, 401, 'SESSION_INVALID');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="wxlink"');

    const bad = await t.api('GET', '/api/v1/me/subscription', undefined, 'not-a-real-token');
    expectError(bad, 401, 'SESSION_INVALID');
    expect(bad.headers.get('www-authenticate')).toBe(
      'Bearer realm="wxlink", error="invalid_token"',
    );

    const { token } = await t.login();
    expect((await t.api('DELETE', '/api/v1/sessions/current', undefined, token)).status).toBe(204);
    const revoked = await t.api('GET', '/api/v1/me', undefined, token);
    expectError(revoked, 401, 'SESSION_INVALID');
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('other answers, 401 WECHAT_CODE_INVALID included, have no challenge', async () => {
    const { token } = await t.login();
    const ok = await t.api('GET', '/api/v1/me', undefined, token);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('www-authenticate')).toBeNull();
    const phone = await t.api('POST', '/api/v1/me/phone', { code: 'neverminted' }, token);
    expectError(phone, 401, 'WECHAT_CODE_INVALID');
    expect(phone.headers.get('www-authenticate')).toBeNull();
  });
});

describe('8. a long nickname names the character limit', () => {
  it('500 characters → 400 "nickname: must be at most 32 characters"', async () => {
    const { token } = await t.login();
    const res = await t.api('PUT', '/api/v1/me/profile', { nickname: 'x'.repeat(500) }, token);
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.message).toBe('nickname: must be at most 32 characters');
  });
});

describe('9. OAuth failures: a friendly page for browsers, no internals anywhere', () => {
  const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

  async function get(path: string, accept: string) {
    const res = await fetch(t.url + path, { redirect: 'manual', headers: { accept } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async function freshState(): Promise<string> {
    const res = await get('/wechat/official-account/oauth?returnTo=/shop', HTML);
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!).searchParams.get('state')!;
  }

  const INTERNALS = /oauthAccessToken|errcode|40029|sns\/oauth2/;

  it('an invalid code: 401 page in a browser, friendly JSON otherwise', async () => {
    const page = await get(
      `/wechat/official-account/oauth/callback?code=bogus&state=${await freshState()}`,
      HTML,
    );
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('data-status="error"');
    expect(page.text).toContain(
      'The WeChat authorization code is invalid or expired; open the page again',
    );
    expect(page.text).toContain(page.headers.get('x-request-id')!);
    expect(page.text).not.toMatch(INTERNALS);

    const json = await get(
      `/wechat/official-account/oauth/callback?code=bogus&state=${await freshState()}`,
      'application/json',
    );
    expect(json.status).toBe(401);
    const body = JSON.parse(json.text) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({
      code: 'WECHAT_CODE_INVALID',
      message: 'The WeChat authorization code is invalid or expired; open the page again',
    });
    expect(json.text).not.toMatch(INTERNALS);
  });

  it('a bad state or returnTo: 400 page with its own copy', async () => {
    const state = await get('/wechat/official-account/oauth/callback?code=x&state=nope', HTML);
    expect(state.status).toBe(400);
    expect(state.headers.get('content-type')).toMatch(/^text\/html/);
    expect(state.text).toContain('This link has expired or was already used');
    expect(state.text).not.toContain('malformed');

    const returnTo = await get('/wechat/official-account/oauth?returnTo=//evil.example', HTML);
    expect(returnTo.status).toBe(400);
    expect(returnTo.headers.get('content-type')).toMatch(/^text\/html/);
    expect(returnTo.headers.get('location')).toBeNull();
  });

  it('WeChat unreachable: 502 page', async () => {
    t.sandbox.injectFault('sns/oauth2/access_token', { errcode: -1, times: 1 });
    const page = await get(
      `/wechat/official-account/oauth/callback?code=any&state=${await freshState()}`,
      HTML,
    );
    t.sandbox.clearFaults();
    expect(page.status).toBe(502);
    expect(page.text).toContain('WeChat did not answer in time');
    expect(page.text).not.toMatch(INTERNALS);
  });

  it('the error page escapes what it shows and hides internal faults', () => {
    const shown = renderOAuthErrorPage({
      code: 'WECHAT_UNAVAILABLE',
      message: '<script>alert(1)</script>',
      requestId: '"><img>',
    });
    expect(shown).not.toContain('<script>alert');
    expect(shown).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(shown).not.toContain('"><img>');
    const internal = renderOAuthErrorPage({
      code: 'INTERNAL',
      message: 'TypeError: cannot read db of undefined',
      requestId: 'r1',
    });
    expect(internal).not.toContain('TypeError');
    expect(internal).toContain('Something went wrong on our side');
  });
});

describe('10. avatar URLs naming one of our uploads get the ownership check, whatever the host', () => {
  const PNG = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );

  async function upload(token: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'a.png');
    const res = await t.raw('POST', '/api/v1/me/avatar', {
      body: form,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(201);
    return res.body.avatarUrl as string;
  }

  it("another user's upload spelled out in full is rejected; one's own is stored relative", async () => {
    const alice = await t.login();
    const bob = await t.login();
    const path = await upload(alice.token);
    const absolute = `${PUBLIC_BASE_URL}${path}`;

    const stolen = await t.api('PUT', '/api/v1/me/profile', { avatarUrl: absolute }, bob.token);
    expectError(stolen, 400, 'VALIDATION_FAILED');
    expect(stolen.body.error.message).toMatch(/^avatarUrl: /);
    // Same origin however it is spelled (case, default port).
    const spelled = `https://API.example.com:443${path}`;
    expectError(
      await t.api('PUT', '/api/v1/me/profile', { avatarUrl: spelled }, bob.token),
      400,
      'VALIDATION_FAILED',
    );

    const own = await t.api('PUT', '/api/v1/me/profile', { avatarUrl: absolute }, alice.token);
    expect(own.status).toBe(200);
    expect(own.body.avatarUrl).toBe(path);
  });

  it('a malformed avatar path on our origin is rejected; other origins are untouched', async () => {
    const { token } = await t.login();
    expectError(
      await t.api(
        'PUT',
        '/api/v1/me/profile',
        { avatarUrl: `${PUBLIC_BASE_URL}/api/v1/avatars/0123456789abcdef01234567.png/x` },
        token,
      ),
      400,
      'VALIDATION_FAILED',
    );
    // Ownership is checked by id, whatever the host: an avatar path elsewhere is still one.
    expectError(
      await t.api(
        'PUT',
        '/api/v1/me/profile',
        { avatarUrl: 'https://cdn.example.org/api/v1/avatars/0123456789abcdef01234567' },
        token,
      ),
      400,
      'VALIDATION_FAILED',
    );
    const elsewhere = 'https://cdn.example.org/img/0123456789abcdef01234567.png';
    const res = await t.api('PUT', '/api/v1/me/profile', { avatarUrl: elsewhere }, token);
    expect(res.status).toBe(200);
    expect(res.body.avatarUrl).toBe(elsewhere);
  });

  it('normalizeAvatarUrl reduces any avatar path, behind any prefix or host, to its id path', () => {
    const id = '0123456789abcdef01234567';
    expect(normalizeAvatarUrl(`https://example.com/wx/api/v1/avatars/${id}`)).toBe(
      `/api/v1/avatars/${id}`,
    );
    expect(normalizeAvatarUrl(`https://example.com/wx/api/v1/avatars/${id}.png?v=2`)).toBe(
      `/api/v1/avatars/${id}.png`,
    );
    // Not under PUBLIC_BASE_URL's prefix, another host: still an avatar reference.
    expect(normalizeAvatarUrl(`https://example.com/api/v1/avatars/${id}`)).toBe(
      `/api/v1/avatars/${id}`,
    );
    expect(normalizeAvatarUrl(`/api/v1/avatars/${id}`)).toBe(`/api/v1/avatars/${id}`);
    expect(normalizeAvatarUrl('https://example.com/wx/a.png')).toBe('https://example.com/wx/a.png');
  });
});
