import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAnonymousProfile } from '@wxlink/contracts';
import {
  checkSessionSignature,
  decryptMessage,
  encryptMessage as contractsEncryptMessage,
  openUserData,
  parseEncryptedEnvelope,
  parsePushXml,
  verifyMsgSignature,
  verifyPushSignature,
} from '@wxlink/contracts/node';
import { sandboxEncryptMessage } from '../src/wechat-crypto';
import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

/**
 * The sandbox implements WeChat's crypto on its own (node:crypto); here its
 * output is checked with the product's implementation in @wxlink/contracts.
 * Two independent implementations agreeing is the point of these tests.
 */

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(() => t.sandbox.close());

function open(
  payload: ReturnType<TestSandbox['sandbox']['userInfoPayload']>,
  sessionKey: string,
  openid: string,
) {
  return openUserData({
    ...payload,
    sessionKey,
    appid: t.sandbox.config.miniProgram.appid,
    openid,
    now: new Date(t.clock.now()),
    maxAgeSeconds: 300,
  });
}

describe('userInfoPayload opens with @wxlink/contracts/node openUserData', () => {
  it('verifies and decrypts under the current session key, with unionId when bound', () => {
    const user = t.sandbox.createUser({ nickName: 'Band', gender: 1 });
    t.sandbox.mintLoginCode(user);
    const payload = t.sandbox.userInfoPayload(user);
    const info = open(payload, t.sandbox.sessionKeyOf(user), user.miniOpenid);
    expect(info).toMatchObject({
      openId: user.miniOpenid,
      nickName: 'Band',
      gender: 1,
      unionId: user.unionid,
    });
    expect(info.watermark).toEqual({
      appid: t.sandbox.config.miniProgram.appid,
      timestamp: t.clock.seconds(),
    });
    expect(JSON.parse(payload.rawData)).toMatchObject({ nickName: 'Band' });
  });

  it('has no unionId for an unbound user, and nickName overrides apply', () => {
    const user = t.sandbox.createUser({ unionid: null });
    const info = open(
      t.sandbox.userInfoPayload(user, { nickName: '张三' }),
      t.sandbox.sessionKeyOf(user),
      user.miniOpenid,
    );
    expect(info.nickName).toBe('张三');
    expect(info.unionId).toBeUndefined();
  });

  it('the anonymous profile is recognised as anonymous', () => {
    const user = t.sandbox.createUser();
    const info = open(
      t.sandbox.userInfoPayload(user, { anonymous: true }),
      t.sandbox.sessionKeyOf(user),
      user.miniOpenid,
    );
    expect(isAnonymousProfile(info)).toBe(true);
  });

  it('a payload made before a key rotation fails under the new key (stale) and opens under the old', () => {
    const user = t.sandbox.createUser();
    t.sandbox.mintLoginCode(user);
    const oldKey = t.sandbox.sessionKeyOf(user);
    const payload = t.sandbox.userInfoPayload(user);
    t.sandbox.mintLoginCode(user);
    const newKey = t.sandbox.sessionKeyOf(user);
    expect(() => open(payload, newKey, user.miniOpenid)).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_MISMATCH' }),
    );
    expect(open(payload, oldKey, user.miniOpenid).openId).toBe(user.miniOpenid);
  });

  it('an old watermark is rejected as expired', () => {
    const user = t.sandbox.createUser();
    const payload = t.sandbox.userInfoPayload(user, {
      watermarkTimestamp: t.clock.seconds() - 3600,
    });
    expect(() => open(payload, t.sandbox.sessionKeyOf(user), user.miniOpenid)).toThrow(
      expect.objectContaining({ code: 'WATERMARK_EXPIRED' }),
    );
  });
});

describe('checksession accepts contracts checkSessionSignature', () => {
  it('answers 0 for the current key and 87009 for a rotated one', async () => {
    const user = t.sandbox.createUser();
    t.sandbox.mintLoginCode(user);
    const old = t.sandbox.sessionKeyOf(user);
    const token = await t.mpToken();
    const q = (key: string) => ({
      access_token: token,
      openid: user.miniOpenid,
      signature: checkSessionSignature(key),
      sig_method: 'hmac_sha256',
    });
    expect((await t.get('/wxa/checksession', q(old))).errcode).toBe(0);
    t.sandbox.mintLoginCode(user);
    expect((await t.get('/wxa/checksession', q(old))).errcode).toBe(87009);
    expect((await t.get('/wxa/checksession', q(t.sandbox.sessionKeyOf(user)))).errcode).toBe(0);
  });
});

describe('pushes verify and parse with @wxlink/contracts/node', () => {
  const received: Array<{ query: URLSearchParams; body: string }> = [];
  let rx: http.Server;
  let rxUrl: string;
  beforeEach(async () => {
    received.length = 0;
    rx = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ query: new URL(req.url ?? '/', 'http://x').searchParams, body });
        res.end('success');
      });
    });
    await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
    rxUrl = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/events`;
  });
  afterEach(async () => {
    rx.closeAllConnections();
    await new Promise((r) => rx.close(r));
  });

  const q = (query: URLSearchParams, name: string) => query.get(name) ?? '';

  it('plain: signature verifies, XML parses to a subscribe with its scene', async () => {
    const { token, originalId } = t.sandbox.config.officialAccount;
    t.sandbox.setPushTarget({ url: rxUrl, mode: 'plain' });
    const user = t.sandbox.createUser();
    await t.sandbox.follow(user, { at: 1_700_000_000, scene: 'poster42' });
    const { query, body } = received[0]!;
    expect(
      verifyPushSignature({
        token,
        timestamp: q(query, 'timestamp'),
        nonce: q(query, 'nonce'),
        signature: q(query, 'signature'),
      }),
    ).toBe(true);
    expect(
      verifyPushSignature({
        token: 'other',
        timestamp: q(query, 'timestamp'),
        nonce: q(query, 'nonce'),
        signature: q(query, 'signature'),
      }),
    ).toBe(false);
    const msg = parsePushXml(body);
    expect(msg).toMatchObject({
      type: 'subscribe',
      toUserName: originalId,
      fromUserName: user.oaOpenid,
      createTime: 1_700_000_000,
      msgType: 'event',
      scene: 'poster42',
    });
  });

  it('safe: msg_signature verifies, Encrypt decrypts for the appid, inner XML parses', async () => {
    const { token, encodingAesKey, appid } = t.sandbox.config.officialAccount;
    t.sandbox.setPushTarget({ url: rxUrl, mode: 'safe' });
    const user = t.sandbox.createUser({ following: true });
    await t.sandbox.unfollow(user, { at: 1_700_000_500 });
    const { query, body } = received[0]!;
    const envelope = parseEncryptedEnvelope(body);
    expect(
      verifyMsgSignature({
        token,
        timestamp: q(query, 'timestamp'),
        nonce: q(query, 'nonce'),
        encrypt: envelope.encrypt,
        signature: q(query, 'msg_signature'),
      }),
    ).toBe(true);
    const opened = decryptMessage(envelope.encrypt, { aesKeys: [encodingAesKey], appid });
    expect(opened.appid).toBe(appid);
    expect(parsePushXml(opened.xml)).toMatchObject({
      type: 'unsubscribe',
      fromUserName: user.oaOpenid,
      createTime: 1_700_000_500,
    });
    expect(() =>
      decryptMessage(envelope.encrypt, { aesKeys: [encodingAesKey], appid: 'wxother' }),
    ).toThrow(expect.objectContaining({ code: 'APPID_MISMATCH' }));
  });

  it('compat: the plaintext fields and the Encrypt copy agree', async () => {
    const { encodingAesKey, appid } = t.sandbox.config.officialAccount;
    t.sandbox.setPushTarget({ url: rxUrl, mode: 'compat' });
    const user = t.sandbox.createUser();
    await t.sandbox.follow(user);
    const { body } = received[0]!;
    const plain = parsePushXml(body);
    const inner = parsePushXml(
      decryptMessage(parseEncryptedEnvelope(body).encrypt, { aesKeys: [encodingAesKey], appid })
        .xml,
    );
    expect(plain.type).toBe('subscribe');
    expect([inner.type, inner.fromUserName, inner.createTime]).toEqual([
      plain.type,
      plain.fromUserName,
      plain.createTime,
    ]);
  });

  it('both implementations produce the same ciphertext for the same random prefix', () => {
    const { encodingAesKey, appid } = t.sandbox.config.officialAccount;
    const random16 = Buffer.alloc(16, 0x5a);
    const xml = '<xml><A><![CDATA[中文]]></A></xml>';
    expect(sandboxEncryptMessage(xml, encodingAesKey, appid, random16)).toBe(
      contractsEncryptMessage(xml, { aesKey: encodingAesKey, appid, random16 }),
    );
  });
});
