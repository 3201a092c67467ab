/**
 * Web OAuth for visitors without a follower record (followed before the
 * server existed, backfill not run): the callback asks cgi-bin/user/info,
 * records the answer through the reducer, and answers from it; a WeChat
 * failure answers `unknown`, never a wrong `never`.
 */
import { Writable } from 'node:stream';
import { startTestServer, type TestServer } from '../../support/harness';
import { EVENTS_PATH, FAST_WORKERS, eventually, followerOf } from '../linkage-support';

/** Collects the server's log lines (warn and above). */
const lines: Record<string, unknown>[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  },
});

let server: TestServer;
const nowMs = Date.now();
beforeAll(async () => {
  server = await startTestServer({
    workers: FAST_WORKERS,
    env: { LOG_LEVEL: 'warn' },
    logDestination: logSink,
    clock: { now: () => new Date(nowMs) },
  });
  server.sandbox.setPushTarget({ url: server.url + EVENTS_PATH, mode: 'safe' });
});
afterAll(() => server.close());
afterEach(() => server.sandbox.clearFaults());

const userInfoCalls = (): number => server.sandbox.stats().calls['cgi-bin/user/info'] ?? 0;

async function callback(code: string): Promise<Record<string, unknown>> {
  const start = await fetch(`${server.url}/wechat/official-account/oauth?returnTo=%2Fh5`, {
    redirect: 'manual',
  });
  expect(start.status).toBe(302);
  const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
  const res = await fetch(
    `${server.url}/wechat/official-account/oauth/callback?code=${code}&state=${state}`,
    { headers: { accept: 'application/json' } },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

test('a follower from before the server is looked up live, answered subscribed and recorded', async () => {
  const subscribeTime = Math.floor(nowMs / 1000) - 86_400 * 30;
  const user = server.sandbox.createUser({ following: true, subscribeTime });
  expect(await followerOf(server.deps, user.oaOpenid)).toBeNull();

  const before = userInfoCalls();
  const body = await callback(server.sandbox.mintOAuthCode(user));
  expect(body).toEqual({
    officialAccountAppid: server.config.officialAccount.appid,
    status: 'subscribed',
    anonymous: false,
    subscribedAt: new Date(subscribeTime * 1000).toISOString(),
    returnTo: '/h5',
  });
  expect(userInfoCalls() - before).toBe(1);
  // Recorded as the backfill would have: a subscribe at subscribe_time, with the unionid.
  expect(await followerOf(server.deps, user.oaOpenid)).toMatchObject({
    subscribed: true,
    stateAt: subscribeTime,
    subscribedAt: subscribeTime,
    unionid: user.unionid,
    source: 'backfill',
  });

  // The next visit answers from the record, without asking WeChat again.
  const again = await callback(server.sandbox.mintOAuthCode(user));
  expect(again.status).toBe('subscribed');
  expect(userInfoCalls() - before).toBe(1);
});

test('a non-follower is not subscribed; a later follow event overrides the snapshot', async () => {
  const user = server.sandbox.createUser();
  const body = await callback(server.sandbox.mintOAuthCode(user));
  expect(body).toMatchObject({ status: 'never', anonymous: false });
  expect(body).not.toHaveProperty('subscribedAt');
  const recorded = await followerOf(server.deps, user.oaOpenid);
  // "Not following as of the lookup", with no unionid (so /me stays `never` too).
  expect(recorded).toMatchObject({ subscribed: false, subscribedAt: null, unionid: null });
  expect(recorded!.stateAt).toBeLessThan(Math.floor(nowMs / 1000));

  const followAt = Math.floor(nowMs / 1000) + 5;
  await server.sandbox.follow(user, { at: followAt });
  await eventually(async () => {
    const f = await followerOf(server.deps, user.oaOpenid);
    return f?.subscribed === true ? f : undefined;
  });
  const after = await callback(server.sandbox.mintOAuthCode(user));
  expect(after).toMatchObject({
    status: 'subscribed',
    subscribedAt: new Date(followAt * 1000).toISOString(),
  });
});

test('user/info failing answers unknown (not never), logs a warning and records nothing', async () => {
  const user = server.sandbox.createUser({ following: true });
  server.sandbox.injectFault('cgi-bin/user/info', { errcode: -1 });
  const linesBefore = lines.length;
  const body = await callback(server.sandbox.mintOAuthCode(user));
  expect(body).toMatchObject({ status: 'unknown', anonymous: false });
  expect(await followerOf(server.deps, user.oaOpenid)).toBeNull();
  const warning = lines
    .slice(linesBefore)
    .find((l) => l.msg === 'follower lookup for OAuth visitor failed; answering unknown');
  expect(warning).toMatchObject({ level: 40, errcode: -1 });
  expect(JSON.stringify(warning)).not.toContain(user.oaOpenid);

  // Once WeChat answers again, the next visit resolves and records them.
  server.sandbox.clearFaults();
  const retry = await callback(server.sandbox.mintOAuthCode(user));
  expect(retry.status).toBe('subscribed');
  expect(await followerOf(server.deps, user.oaOpenid)).toMatchObject({ subscribed: true });
});

test('snapshot-page visitors stay anonymous and cause no lookup', async () => {
  const user = server.sandbox.createUser({ following: true });
  const before = userInfoCalls();
  const body = await callback(server.sandbox.mintOAuthCode(user, { snapshot: true }));
  expect(body).toMatchObject({ status: 'unknown', anonymous: true });
  expect(userInfoCalls()).toBe(before);
  expect(await followerOf(server.deps, user.oaOpenid)).toBeNull();
});
