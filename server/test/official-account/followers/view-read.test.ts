/**
 * The subscription view's one follower read (store.ts findFollowerForView):
 * the user's own record by unionid and whether a new follower's unionid
 * lookup is pending, from one `$or` query, with a second read only when a
 * burst of pending followers fills the page.
 */
import type { Follower } from '../../../src/official-account/followers/follower.model';
import { findFollowerForView } from '../../../src/official-account/followers/store';
import { recordCommands } from '../../support/commands';
import { startTestServer, type TestServer } from '../../support/harness';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

const NOW = 1_800_000_000;
let appSeq = 0;

function follower(appid: string, openid: string, fields: Partial<Follower>): Follower {
  return {
    appid,
    openid,
    unionid: null,
    subscribed: true,
    stateAt: NOW,
    subscribedAt: NOW,
    unsubscribedAt: null,
    scene: null,
    version: 0,
    source: 'event',
    unionidPending: false,
    listedAt: null,
    linkage: null,
    linkedUserId: null,
    linkagePending: false,
    createdAt: new Date(NOW * 1000),
    updatedAt: new Date(NOW * 1000),
    ...fields,
  };
}

/** A fresh appid with the given followers stored. */
async function accountWith(followers: (appid: string) => Follower[]): Promise<string> {
  const appid = `wxview${++appSeq}`;
  await t.deps.models.Follower.insertMany(followers(appid));
  return appid;
}

/** Runs the read, counting its commands on oa_followers. */
async function viewRead(appid: string, unionid: string, since: number) {
  const recorder = recordCommands(
    t,
    (c) => c.collection === 'oa_followers' && JSON.stringify(c.document).includes(appid),
  );
  const result = await findFollowerForView(t.deps, appid, unionid, since);
  return { ...result, commands: recorder.stop().length };
}

const pendingFollowers = (appid: string, count: number, stateAt: number): Follower[] =>
  Array.from({ length: count }, (_v, i) =>
    follower(appid, `o-pending-${i}`, { unionidPending: true, stateAt: stateAt + i }),
  );

test('the match and no pending lookup, in one command', async () => {
  const appid = await accountWith((a) => [
    follower(a, 'o-user', { unionid: 'u-1', stateAt: NOW - 50 }),
    follower(a, 'o-other', { unionid: 'u-2' }),
    // Pending but old, or pending but unfollowed: neither counts.
    follower(a, 'o-old', { unionidPending: true, stateAt: NOW - 100_000 }),
    follower(a, 'o-gone', { unionidPending: true, subscribed: false }),
  ]);
  const read = await viewRead(appid, 'u-1', NOW - 86_400);
  expect(read.follower).toMatchObject({ openid: 'o-user', unionid: 'u-1', subscribed: true });
  expect(read.lookupPending).toBe(false);
  expect(read.commands).toBe(1);
});

test('no match while a new follower waits for its lookup: pending', async () => {
  const appid = await accountWith((a) => [
    follower(a, 'o-new', { unionidPending: true, stateAt: NOW }),
  ]);
  const read = await viewRead(appid, 'u-absent', NOW - 86_400);
  expect(read).toMatchObject({ follower: null, lookupPending: true, commands: 1 });
});

test('two records for one unionid: the newest state wins', async () => {
  const appid = await accountWith((a) => [
    follower(a, 'o-a', { unionid: 'u-dup', subscribed: false, stateAt: NOW - 10 }),
    follower(a, 'o-b', { unionid: 'u-dup', subscribed: true, stateAt: NOW }),
  ]);
  const read = await viewRead(appid, 'u-dup', NOW - 86_400);
  expect(read.follower).toMatchObject({ openid: 'o-b', subscribed: true });
});

test('a burst of newer pending followers fills the page: the match is read on its own', async () => {
  const appid = await accountWith((a) => [
    follower(a, 'o-user', { unionid: 'u-burst', stateAt: NOW - 1_000 }),
    ...pendingFollowers(a, 30, NOW - 500),
  ]);
  const read = await viewRead(appid, 'u-burst', NOW - 86_400);
  expect(read.follower).toMatchObject({ openid: 'o-user', unionid: 'u-burst' });
  expect(read.lookupPending).toBe(true);
  expect(read.commands).toBe(2);
});

test('a burst without a match for the user: no record, pending', async () => {
  const appid = await accountWith((a) => pendingFollowers(a, 30, NOW - 500));
  const read = await viewRead(appid, 'u-none', NOW - 86_400);
  expect(read).toMatchObject({ follower: null, lookupPending: true, commands: 2 });
});
