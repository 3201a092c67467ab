import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

let t: TestSandbox;
afterEach(() => t.sandbox.close());

describe('cgi-bin/user/info and batchget', () => {
  beforeEach(async () => {
    t = await startTestSandbox();
  });

  it('describes a follower (subscribe_time, unionid, QR scene)', async () => {
    const user = t.sandbox.createUser({
      following: true,
      subscribeTime: 1_700_000_000,
      scene: 'poster42',
    });
    const r = await t.get('/cgi-bin/user/info', {
      access_token: await t.oaToken(),
      openid: user.oaOpenid,
      lang: 'zh_CN',
    });
    expect(r).toMatchObject({
      subscribe: 1,
      openid: user.oaOpenid,
      subscribe_time: 1_700_000_000,
      unionid: user.unionid,
      subscribe_scene: 'ADD_SCENE_QR_CODE',
      qr_scene: 0,
      qr_scene_str: 'poster42',
    });
  });

  it('numeric scenes come back as qr_scene; no scene means search', async () => {
    const token = await t.oaToken();
    const numeric = t.sandbox.createUser({ following: true, scene: '98765' });
    const plain = t.sandbox.createUser({ following: true });
    const a = await t.get('/cgi-bin/user/info', { access_token: token, openid: numeric.oaOpenid });
    const b = await t.get('/cgi-bin/user/info', { access_token: token, openid: plain.oaOpenid });
    expect([a.qr_scene, a.qr_scene_str]).toEqual([98765, '']);
    expect(b.subscribe_scene).toBe('ADD_SCENE_SEARCH');
  });

  it('answers only {subscribe: 0, openid, tagid_list} for non-followers: no unionid', async () => {
    // "值为0时，代表此用户没有关注该公众号，拉取不到其余信息"
    const token = await t.oaToken();
    const never = t.sandbox.createUser();
    const left = t.sandbox.createUser({ following: true });
    await t.sandbox.unfollow(left);
    for (const user of [never, left]) {
      expect(user.unionid).not.toBeNull();
      expect(
        await t.get('/cgi-bin/user/info', { access_token: token, openid: user.oaOpenid }),
      ).toEqual({ subscribe: 0, openid: user.oaOpenid, tagid_list: [] });
    }
  });

  it('answers 40003 for an unknown openid, including a mini-program openid', async () => {
    const token = await t.oaToken();
    const user = t.sandbox.createUser({ following: true });
    expect(
      (await t.get('/cgi-bin/user/info', { access_token: token, openid: 'oNope' })).errcode,
    ).toBe(40003);
    expect(
      (await t.get('/cgi-bin/user/info', { access_token: token, openid: user.miniOpenid })).errcode,
    ).toBe(40003);
  });

  it('batchget returns user_info_list in request order', async () => {
    const users = [
      t.sandbox.createUser({ following: true }),
      t.sandbox.createUser({ following: false }),
      t.sandbox.createUser({ following: true, unionid: null }),
    ];
    const r = await t.post(
      '/cgi-bin/user/info/batchget',
      { user_list: users.map((u) => ({ openid: u.oaOpenid, lang: 'zh_CN' })) },
      { access_token: await t.oaToken() },
    );
    const list = r.user_info_list as Array<Record<string, unknown>>;
    expect(list[1]).toEqual({ subscribe: 0, openid: users[1]!.oaOpenid, tagid_list: [] });
    expect(list.map((u) => [u.openid, u.subscribe, u.unionid])).toEqual([
      [users[0]!.oaOpenid, 1, users[0]!.unionid],
      [users[1]!.oaOpenid, 0, undefined],
      [users[2]!.oaOpenid, 1, undefined],
    ]);
  });

  it('batchget rejects more than 100 (or zero) openids with 40032 and bad openids with 40003', async () => {
    const token = await t.oaToken();
    const users = t.sandbox.createFollowers(101);
    const list = users.map((u) => ({ openid: u.oaOpenid }));
    const batch = (user_list: unknown) =>
      t.post('/cgi-bin/user/info/batchget', { user_list }, { access_token: token });
    expect((await batch(list)).errcode).toBe(40032);
    expect((await batch([])).errcode).toBe(40032);
    expect((await batch('x')).errcode).toBe(40032);
    expect(((await batch(list.slice(0, 100))).user_info_list as unknown[]).length).toBe(100);
    expect((await batch([{ openid: 'oNope' }])).errcode).toBe(40003);
    expect((await batch([{ nope: 1 }])).errcode).toBe(40003);
  });
});

describe('cgi-bin/user/get paging', () => {
  async function getPage(next?: string) {
    return t.get('/cgi-bin/user/get', {
      access_token: await t.oaToken(),
      ...(next === undefined ? {} : { next_openid: next }),
    });
  }

  it('pages followers with next_openid, skipping non-followers, ending with an empty page', async () => {
    t = await startTestSandbox({ userGetPageSize: 3 });
    const followers = t.sandbox.createFollowers(7);
    t.sandbox.createUser({ following: false });
    await t.sandbox.unfollow(followers[1]!);
    const expected = followers.filter((_, i) => i !== 1).map((u) => u.oaOpenid);

    const seen: string[] = [];
    const counts: number[] = [];
    let next: string | undefined;
    for (let guard = 0; guard < 10; guard += 1) {
      const page = await getPage(next);
      expect(page.total).toBe(6);
      counts.push(page.count as number);
      if (page.count === 0) {
        expect(page.next_openid).toBe('');
        expect(page).not.toHaveProperty('data');
        break;
      }
      const ids = (page.data as { openid: string[] }).openid;
      expect(page.next_openid).toBe(ids[ids.length - 1]);
      seen.push(...ids);
      next = page.next_openid as string;
    }
    expect(counts).toEqual([3, 3, 0]);
    expect(seen).toEqual(expected);
  });

  it('answers 40003 for a next_openid that is not a user of the account', async () => {
    t = await startTestSandbox();
    expect((await getPage('oNope')).errcode).toBe(40003);
  });

  it('handles 100k followers in memory and pages them 10000 at a time', async () => {
    t = await startTestSandbox();
    const started = Date.now();
    const followers = t.sandbox.createFollowers(100_000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(new Set(followers.map((u) => u.oaOpenid)).size).toBe(100_000);
    let next: string | undefined;
    let total = 0;
    let pages = 0;
    for (;;) {
      const page = await getPage(next);
      if (page.count === 0) break;
      pages += 1;
      total += page.count as number;
      next = page.next_openid as string;
    }
    expect(pages).toBe(10);
    expect(total).toBe(100_000);
    expect(next).toBe(followers[99_999]!.oaOpenid);
  }, 30_000);
});
