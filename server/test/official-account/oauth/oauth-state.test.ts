/**
 * The self-contained OAuth state: starting OAuth writes nothing; the state is
 * single-use (the callback's one write), bound to the account that issued it
 * and to its returnTo, whether returnTo travels in the state or, when too
 * long for WeChat's 128 characters, in redirect_uri's own query.
 */
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';
import { accountsFileEnv, startTestServer, type TestServer } from '../../support/harness';

let sandbox: Sandbox;
let server: TestServer;
let appidB: string;
beforeAll(async () => {
  sandbox = await startSandbox({ officialAccounts: [{}, {}] });
  appidB = sandbox.officialAccounts[1]!.appid;
  server = await startTestServer({
    sandbox,
    env: { ...accountsFileEnv(sandbox), PUBLIC_BASE_URL: 'https://h5.example.com' },
  });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

/** Every collection the server writes, with its document count. */
async function documentCount(): Promise<number> {
  let total = 0;
  for (const model of Object.values(server.deps.models) as {
    countDocuments(): Promise<number>;
  }[]) {
    total += await model.countDocuments();
  }
  return total;
}

/** Starts OAuth; returns the state and the callback URL WeChat would redirect to (code appended). */
async function start(
  returnTo: string,
  scope = '',
): Promise<{ state: string; callback: (code: string) => string }> {
  const res = await fetch(
    `${server.url}/wechat/official-account${scope}/oauth?returnTo=${encodeURIComponent(returnTo)}`,
    { redirect: 'manual' },
  );
  expect(res.status).toBe(302);
  const authorize = new URL(res.headers.get('location')!);
  const state = authorize.searchParams.get('state')!;
  expect(state).toMatch(/^[A-Za-z0-9]{1,128}$/);
  const redirect = new URL(authorize.searchParams.get('redirect_uri')!);
  // What WeChat does: redirect_uri, its own query kept, plus code and state.
  const callback = (code: string): string => {
    const url = new URL(redirect);
    url.searchParams.append('code', code);
    url.searchParams.append('state', state);
    return `${server.url}${url.pathname}${url.search}`;
  };
  return { state, callback };
}

interface Visit {
  status: number;
  body: { returnTo?: string; officialAccountAppid?: string; error?: { code: string } };
}

async function visit(url: string): Promise<Visit> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  return { status: res.status, body: (await res.json()) as Visit['body'] };
}

const code = (appid?: string): string =>
  sandbox.mintOAuthCode(sandbox.createUser(), appid ? { appid } : {});

test('200 OAuth starts write no document', async () => {
  const before = await documentCount();
  const started = Date.now();
  for (let i = 0; i < 200; i++) await start(`/page/${i}`);
  const elapsedMs = Date.now() - started;
  expect(await documentCount()).toBe(before);
  console.info(
    `200 OAuth starts in ${elapsedMs} ms, ${(await documentCount()) - before} documents written`,
  );
});

test.each([
  ['in the state', '/shop?item=1'],
  ['in the redirect_uri query', `/long/${'x'.repeat(200)}?q=${'y'.repeat(100)}`],
])('returnTo %s comes back; a replayed state is refused', async (_where, returnTo) => {
  const flow = await start(returnTo);
  const first = await visit(flow.callback(code()));
  expect([first.status, first.body.returnTo]).toEqual([200, returnTo]);
  const replay = await visit(flow.callback(code()));
  expect([replay.status, replay.body.error?.code]).toEqual([400, 'OAUTH_STATE_INVALID']);
});

test("a state issued for account A is refused at account B's callback", async () => {
  const a = await start('/a');
  const atB = `${server.url}/wechat/official-account/${appidB}/oauth/callback?code=${code(appidB)}&state=${a.state}`;
  const res = await visit(atB);
  expect([res.status, res.body.error?.code]).toEqual([400, 'OAUTH_STATE_INVALID']);
  // And B's own state works at B.
  const b = await start('/b', `/${appidB}`);
  const ok = await visit(b.callback(code(appidB)));
  expect([ok.status, ok.body.officialAccountAppid, ok.body.returnTo]).toEqual([200, appidB, '/b']);
});

test('a tampered returnTo is refused, in the state or in the query', async () => {
  // In the state: the tail is returnTo's UTF-8 in hex; '/a' → '/b'.
  const inState = await start('/a');
  const hexA = Buffer.from('/a').toString('hex');
  const swapped = inState.state.slice(0, -hexA.length) + Buffer.from('/b').toString('hex');
  const url = inState.callback(code()).replace(inState.state, swapped);
  expect((await visit(url)).body.error?.code).toBe('OAUTH_STATE_INVALID');

  const long = `/long/${'z'.repeat(100)}`;
  const inQuery = await start(long);
  const genuine = inQuery.callback(code());
  for (const forged of [
    genuine.replace(encodeURIComponent(long).replace(/%2F/g, '%2F'), '%2Fevil'),
    genuine.replace(/returnTo=[^&]*&/, ''),
    `${genuine}&returnTo=%2Fother`,
  ]) {
    expect([forged, (await visit(forged)).body.error?.code]).toEqual([
      forged,
      'OAUTH_STATE_INVALID',
    ]);
  }
  // None of the forgeries used the state up: the genuine callback still works once.
  expect((await visit(genuine)).status).toBe(200);
});
