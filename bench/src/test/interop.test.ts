/**
 * Interop: the sandbox is only useful if real WeChat clients and receivers
 * cannot tell it from WeChat. Two widely used peers talk to it unchanged:
 * node-easywechat 3.6.2 as an API client (mini-program code2Session,
 * official-account user/info, with its own access-token fetch) and
 * node-webot's `wechat` 2.1.0 middleware as the receiver of the sandbox's
 * pushes, in plaintext and in safe mode (its own signature check and AES).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { MiniApp, OfficialAccount, type CacheInterface } from 'node-easywechat';
import wechat from 'wechat';
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';
import { MP_APPID, OA_AES_KEY, OA_APPID, OA_TOKEN } from '../fixtures/wechat';
import { listen } from '../targets/common';

const MP_SECRET = 'interop-mp-secret';
const OA_SECRET = 'interop-oa-secret';

/** easywechat's default cache writes files into the working directory; tests keep it in memory. */
class MemoryCache implements CacheInterface {
  private readonly entries = new Map<string, unknown>();
  get(key: string): Promise<unknown> {
    return Promise.resolve(this.entries.get(key));
  }
  has(key: string): Promise<boolean> {
    return Promise.resolve(this.entries.has(key));
  }
  set(key: string, data?: unknown): Promise<boolean> {
    this.entries.set(key, data);
    return Promise.resolve(true);
  }
  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.entries.delete(key));
  }
}

let sandbox: Sandbox;

before(async () => {
  sandbox = await startSandbox({
    miniProgram: { appid: MP_APPID, secret: MP_SECRET },
    officialAccount: {
      appid: OA_APPID,
      secret: OA_SECRET,
      token: OA_TOKEN,
      encodingAesKey: OA_AES_KEY,
    },
    // A push the receiver refuses is retried; one attempt keeps the failing case short.
    pushAttempts: 1,
    pushTimeoutMs: 2000,
  });
});

after(async () => {
  await sandbox.close();
});

void describe('node-easywechat 3.6.2 as a client of the sandbox', () => {
  const http = (): { baseURL: string } => ({ baseURL: `${sandbox.url}/` });

  void it('mini-program code2Session returns the user the code was minted for', async () => {
    const app = new MiniApp({ app_id: MP_APPID, secret: MP_SECRET, http: http() });
    app.setCache(new MemoryCache());
    const user = sandbox.createUser();
    const session = (await app.getUtils().codeToSession(sandbox.mintLoginCode(user))) as Record<
      string,
      unknown
    >;
    assert.equal(session.openid, user.miniOpenid);
    assert.equal(session.unionid, user.unionid);
    assert.equal(session.session_key, sandbox.sessionKeyOf(user));
  });

  void it('mini-program code2Session refuses a code used twice (WeChat 40163)', async () => {
    const app = new MiniApp({ app_id: MP_APPID, secret: MP_SECRET, http: http() });
    app.setCache(new MemoryCache());
    const code = sandbox.mintLoginCode(sandbox.createUser());
    await app.getUtils().codeToSession(code);
    await assert.rejects(app.getUtils().codeToSession(code), /code2Session error.*40163/);
  });

  void it('official-account user/info: a follower with unionid, a non-follower without', async () => {
    const app = new OfficialAccount({
      app_id: OA_APPID,
      secret: OA_SECRET,
      token: OA_TOKEN,
      aes_key: OA_AES_KEY,
      http: http(),
    });
    app.setCache(new MemoryCache());
    const follower = sandbox.createUser();
    await sandbox.follow(follower, { push: false });
    const stranger = sandbox.createUser();
    const info = async (openid: string): Promise<Record<string, unknown>> =>
      (
        await app.getClient().get('cgi-bin/user/info', { params: { openid, lang: 'zh_CN' } })
      ).toObject<Record<string, unknown>>();

    const followed = await info(follower.oaOpenid);
    assert.equal(followed.subscribe, 1);
    assert.equal(followed.openid, follower.oaOpenid);
    assert.equal(followed.unionid, follower.unionid);
    const notFollowing = await info(stranger.oaOpenid);
    assert.equal(notFollowing.subscribe, 0);
    assert.equal(notFollowing.unionid, undefined);
    // easywechat fetched its access token from the sandbox once and reused it.
    assert.equal(sandbox.stats().tokensIssued[OA_APPID], 1);
  });
});

void describe("node-webot's wechat 2.1.0 middleware as a receiver of the sandbox's pushes", () => {
  type Received = Record<string, string | undefined>;

  /** An Express app with webot's middleware storing every push it accepts. */
  async function receiver(token: string): Promise<{
    url: string;
    received: Received[];
    close(): Promise<void>;
  }> {
    const received: Received[] = [];
    const app = express();
    app.use(
      '/wechat',
      wechat({ token, appid: OA_APPID, encodingAESKey: OA_AES_KEY }, (req, res) => {
        received.push(req.weixin);
        res.reply('');
      }),
    );
    const server = await listen(app);
    return { url: `${server.url}/wechat`, received, close: () => server.close() };
  }

  for (const mode of ['plain', 'safe'] as const) {
    void it(`${mode} mode: a follow and an unfollow arrive verified and parsed`, async () => {
      const webot = await receiver(OA_TOKEN);
      try {
        sandbox.setPushTarget({ url: webot.url, mode });
        const user = sandbox.createUser();
        const followed = await sandbox.follow(user, { at: 1_700_000_000 });
        const unfollowed = await sandbox.unfollow(user, { at: 1_700_000_100 });
        assert.equal(followed?.delivered, true);
        assert.equal(unfollowed?.delivered, true);
        assert.deepEqual(
          webot.received.map((m) => [m.Event, m.FromUserName, m.CreateTime]),
          [
            ['subscribe', user.oaOpenid, '1700000000'],
            ['unsubscribe', user.oaOpenid, '1700000100'],
          ],
        );
      } finally {
        sandbox.setPushTarget(null);
        await webot.close();
      }
    });
  }

  void it('a receiver with another token refuses the push (the signature is checked)', async () => {
    const webot = await receiver('not-the-sandbox-token');
    try {
      sandbox.setPushTarget({ url: webot.url, mode: 'plain' });
      const result = await sandbox.follow(sandbox.createUser());
      assert.equal(result?.delivered, false);
      assert.equal(result?.attempts[0]?.status, 401);
      assert.equal(webot.received.length, 0);
    } finally {
      sandbox.setPushTarget(null);
      await webot.close();
    }
  });
});
