/**
 * Web OAuth (snsapi_base): redirect, signed single-use state, code exchange
 * against the sandbox, follower resolution, HTML/JSON answers, and the
 * attacks: state tampering, replay, expiry and open redirects.
 */
import { startTestServer, type TestServer } from '../../support/harness';
import { FAST_WORKERS, EVENTS_PATH, eventually, followerOf } from '../linkage-support';

let server: TestServer;
let now = Date.now();
beforeAll(async () => {
  server = await startTestServer({
    workers: FAST_WORKERS,
    env: {
      PUBLIC_BASE_URL: 'https://h5.example.com',
      WECHAT_OPEN_BASE: 'https://open.weixin.qq.com',
    },
    clock: { now: () => new Date(now) },
  });
  server.sandbox.setPushTarget({ url: server.url + EVENTS_PATH, mode: 'safe' });
});
afterAll(() => server.close());

async function get(path: string, accept = 'application/json') {
  const res = await fetch(server.url + path, { redirect: 'manual', headers: { accept } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

async function startFlow(returnTo = '/shop?item=1'): Promise<string> {
  const res = await get(`/wechat/official-account/oauth?returnTo=${encodeURIComponent(returnTo)}`);
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  const url = new URL(location);
  return url.searchParams.get('state')!;
}

test('redirects to connect/oauth2/authorize with snsapi_base and a compact state', async () => {
  const res = await get('/wechat/official-account/oauth?returnTo=%2Fshop%3Fitem%3D1');
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  const appid = server.config.officialAccount.appid;
  const redirect = encodeURIComponent(
    'https://h5.example.com/wechat/official-account/oauth/callback',
  );
  expect(location).toMatch(
    new RegExp(
      `^https://open\\.weixin\\.qq\\.com/connect/oauth2/authorize\\?appid=${appid}&redirect_uri=${redirect.replace(/[.%]/g, (c) => `\\${c}`)}&response_type=code&scope=snsapi_base&state=[A-Za-z0-9]{1,128}#wechat_redirect$`,
    ),
  );
  expect(res.headers.get('cache-control')).toBe('no-store');
});

test('callback: a follower is shown as subscribed (JSON), and returnTo comes back', async () => {
  const user = server.sandbox.createUser();
  const at = Math.floor(now / 1000) - 5;
  await server.sandbox.follow(user, { at });
  await eventually(() => followerOf(server.deps, user.oaOpenid).then((f) => f ?? undefined));
  const state = await startFlow('/shop?item=1');
  const code = server.sandbox.mintOAuthCode(user);
  const res = await get(`/wechat/official-account/oauth/callback?code=${code}&state=${state}`);
  expect(res.status).toBe(200);
  expect(res.json()).toEqual({
    officialAccountAppid: server.config.officialAccount.appid,
    status: 'subscribed',
    anonymous: false,
    subscribedAt: new Date(at * 1000).toISOString(),
    returnTo: '/shop?item=1',
  });
});

test('callback: HTML page for browsers, escaped, linking back to returnTo', async () => {
  const user = server.sandbox.createUser();
  const state = await startFlow('/p?q="><script>alert(1)</script>');
  const code = server.sandbox.mintOAuthCode(user);
  const res = await get(
    `/wechat/official-account/oauth/callback?code=${code}&state=${state}`,
    'text/html',
  );
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  expect(res.text).toContain('data-status="never"');
  expect(res.text).not.toContain('<script>');
  expect(res.text).toContain('href="/p?q=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  expect(res.text).not.toMatch(/<link|src=/);
});

test('snapshot-page visitors (is_snapshotuser=1) are anonymous', async () => {
  const user = server.sandbox.createUser();
  const state = await startFlow();
  const code = server.sandbox.mintOAuthCode(user, { snapshot: true });
  const res = await get(`/wechat/official-account/oauth/callback?code=${code}&state=${state}`);
  expect(res.json()).toMatchObject({ status: 'unknown', anonymous: true });
});

test('state tampering is refused', async () => {
  const user = server.sandbox.createUser();
  const state = await startFlow();
  const flipped = state.slice(0, 10) + (state[10] === 'a' ? 'b' : 'a') + state.slice(11);
  for (const bad of [flipped, state.slice(0, -1), 'x'.repeat(104), '', `${state}&state=${state}`]) {
    const res = await get(
      `/wechat/official-account/oauth/callback?code=${server.sandbox.mintOAuthCode(user)}&state=${bad}`,
    );
    expect(res.status).toBe(400);
    expect(res.json().error.code).toBe('OAUTH_STATE_INVALID');
  }
  // The untouched state still works once.
  const ok = await get(
    `/wechat/official-account/oauth/callback?code=${server.sandbox.mintOAuthCode(user)}&state=${state}`,
  );
  expect(ok.status).toBe(200);
});

test('a state works once: replay is refused', async () => {
  const user = server.sandbox.createUser();
  const state = await startFlow();
  const first = await get(
    `/wechat/official-account/oauth/callback?code=${server.sandbox.mintOAuthCode(user)}&state=${state}`,
  );
  expect(first.status).toBe(200);
  const replay = await get(
    `/wechat/official-account/oauth/callback?code=${server.sandbox.mintOAuthCode(user)}&state=${state}`,
  );
  expect(replay.status).toBe(400);
  expect(replay.json().error.code).toBe('OAUTH_STATE_INVALID');
});

test('an expired state is refused', async () => {
  const user = server.sandbox.createUser();
  const state = await startFlow();
  now += 11 * 60 * 1000;
  try {
    const res = await get(
      `/wechat/official-account/oauth/callback?code=${server.sandbox.mintOAuthCode(user)}&state=${state}`,
    );
    expect(res.status).toBe(400);
    expect(res.json().error.code).toBe('OAUTH_STATE_INVALID');
  } finally {
    now = Date.now();
  }
});

test('open redirects are refused', async () => {
  const attempts = [
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'evil.example',
    '/ok\r\nSet-Cookie: x=1',
    '/%0d%0a',
  ];
  for (const returnTo of attempts) {
    const res = await get(
      `/wechat/official-account/oauth?returnTo=${encodeURIComponent(returnTo)}`,
    );
    if (returnTo === '/%0d%0a') {
      // Percent-encoded text is just a path here; it is echoed escaped, never decoded into a header.
      expect(res.status).toBe(302);
      continue;
    }
    expect([returnTo, res.status]).toEqual([returnTo, 400]);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  }
  const dup = await get('/wechat/official-account/oauth?returnTo=/a&returnTo=/b');
  expect(dup.status).toBe(400);
});

test('an invalid code is a 401 after a valid state', async () => {
  const state = await startFlow();
  const res = await get(`/wechat/official-account/oauth/callback?code=nonsense&state=${state}`);
  expect(res.status).toBe(401);
  expect(res.json().error.code).toBe('WECHAT_CODE_INVALID');
});
