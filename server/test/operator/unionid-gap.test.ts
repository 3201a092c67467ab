/**
 * The unionid gap on /metrics: logins whose user has no unionid, and current
 * followers without one, per appid.
 */
import { FOLLOWER_GAP_SAMPLE_TTL_MS } from '../../src/operator/unionid-gap';
import { startTestServer, type TestServer } from '../support/harness';

let nowMs = Date.now();
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ clock: { now: () => new Date(nowMs) } });
});
afterAll(() => t?.close());

async function metric(name: string, appid: string): Promise<number> {
  const text = (await t.api('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{appid="${appid}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

test('logins without a unionid are counted; logins with one are not', async () => {
  const appid = t.config.miniProgram.appid;
  const before = await metric('mp_logins_without_unionid_total', appid);
  await t.login(t.sandbox.createUser());
  expect(await metric('mp_logins_without_unionid_total', appid)).toBe(before);
  const unbound = t.sandbox.createUser({ unionid: null });
  await t.login(unbound);
  await t.login(unbound);
  expect(await metric('mp_logins_without_unionid_total', appid)).toBe(before + 2);
});

test('current followers without a unionid, sampled at most every 30 s', async () => {
  const appid = t.config.officialAccount.appid;
  const now = new Date(nowMs);
  const follower = (openid: string, unionid: string | null, subscribed: boolean) => ({
    appid,
    openid,
    unionid,
    subscribed,
    stateAt: 1,
    subscribedAt: subscribed ? 1 : null,
    unsubscribedAt: subscribed ? null : 1,
    source: 'backfill' as const,
    createdAt: now,
    updatedAt: now,
  });
  await t.deps.models.Follower.create([
    follower('o-gap-1', null, true),
    follower('o-gap-2', null, true),
    follower('o-linked', 'u-linked', true),
    // A tombstone (unsubscribed, erased) is not a follower.
    follower('o-gone', null, false),
  ]);
  nowMs += FOLLOWER_GAP_SAMPLE_TTL_MS;
  expect(await metric('oa_followers_without_unionid', appid)).toBe(2);
  await t.deps.models.Follower.create([follower('o-gap-3', null, true)]);
  // Within the sample's lifetime the scrape does not query again.
  expect(await metric('oa_followers_without_unionid', appid)).toBe(2);
  nowMs += FOLLOWER_GAP_SAMPLE_TTL_MS;
  expect(await metric('oa_followers_without_unionid', appid)).toBe(3);
});
