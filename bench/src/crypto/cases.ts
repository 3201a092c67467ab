/**
 * The operations the crypto benchmark times. Every factory builds its own
 * fixture, runs the operation once and checks the answer (so a broken
 * implementation fails loudly instead of timing an exception), then returns it.
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import {
  decryptMessage,
  extractEncryptField,
  openUserData,
  parseEncryptedEnvelope,
  parsePushXml,
  verifyMsgSignature,
  verifyPushSignature,
} from '@wxlink/contracts/node';
import wechat from 'wechat';
import ServerRequest from 'node-easywechat/dist/Core/Http/ServerRequest';
import Encryptor from 'node-easywechat/dist/Core/Encryptor';
import Decryptor from 'node-easywechat/dist/MiniApp/Decryptor';
import EasyWechatServer from 'node-easywechat/dist/OfficialAccount/Server';
import type { Operation } from '../lib/micro';
import {
  makeUserData,
  MP_APPID,
  OA_AES_KEY,
  OA_APPID,
  OA_TOKEN,
  signedPush,
  type PushMode,
  type SignedPush,
} from '../fixtures/wechat';

export class CaseCheckError extends Error {
  override readonly name = 'CaseCheckError';
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new CaseCheckError(`benchmark self-check failed: ${what}`);
}

const WATERMARK_MAX_AGE = 600;
const OPENID = 'o_bench_user_0001';

// ---------------------------------------------------------------- user data

function userDataOurs(): Operation {
  const now = new Date();
  const f = makeUserData(OPENID, now);
  const input = { ...f, appid: MP_APPID, openid: OPENID, now, maxAgeSeconds: WATERMARK_MAX_AGE };
  const op = () => openUserData(input);
  expect(op().nickName === 'Band', 'openUserData returns the profile');
  return op;
}

// Canonical padded base64: the alphabet, '=' padding, and zero unused bits
// in the last character (checked by its value, not by re-encoding).
const BASE64 = /^[A-Za-z0-9+/]*(?:[AQgw]==|[AEIMQUYcgkosw048]=)?$/;
const isBase64 = (s: string): boolean => s.length % 4 === 0 && BASE64.test(s);
const HEX40 = /^[0-9a-f]{40}$/i;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The least work doing the same checks as ours: canonical base64 of
 * session_key, iv and encryptedData (16-byte key and iv), sha1(rawData +
 * session_key) compared in constant time, AES-128-CBC with its padding
 * checked, strict UTF-8, JSON.parse, watermark appid/timestamp/age, the
 * profile's openId, nickName and avatarUrl strings, and the session's openId.
 */
function userDataFloor(): Operation {
  const now = new Date();
  const f = makeUserData(OPENID, now);
  const op = () => {
    if (!isBase64(f.sessionKey) || !isBase64(f.iv) || !isBase64(f.encryptedData))
      throw new Error('base64');
    const key = Buffer.from(f.sessionKey, 'base64');
    const iv = Buffer.from(f.iv, 'base64');
    if (key.length !== 16 || iv.length !== 16) throw new Error('lengths');
    const expected = createHash('sha1')
      .update(f.rawData + f.sessionKey)
      .digest();
    if (!HEX40.test(f.signature) || !timingSafeEqual(expected, Buffer.from(f.signature, 'hex')))
      throw new Error('signature');
    const decipher = createDecipheriv('aes-128-cbc', key, iv);
    const plain = Buffer.concat([decipher.update(f.encryptedData, 'base64'), decipher.final()]);
    const data = JSON.parse(UTF8.decode(plain)) as {
      openId?: unknown;
      nickName?: unknown;
      avatarUrl?: unknown;
      watermark?: { appid?: unknown; timestamp?: unknown };
    };
    const ts = data.watermark?.timestamp;
    if (data.watermark?.appid !== MP_APPID || typeof ts !== 'number' || !Number.isFinite(ts))
      throw new Error('watermark');
    if (Math.abs(now.getTime() / 1000 - ts) > WATERMARK_MAX_AGE) throw new Error('expired');
    if (typeof data.nickName !== 'string' || typeof data.avatarUrl !== 'string')
      throw new Error('profile');
    if (data.openId !== OPENID) throw new Error('openid');
    return data;
  };
  expect((op() as { nickName?: unknown }).nickName === 'Band', 'floor decrypts the profile');
  return op;
}

/** node-easywechat's MiniApp Decryptor: decryption + JSON only (no signature, watermark or openId check). */
function userDataEasyWechat(): Operation {
  const f = makeUserData(OPENID, new Date());
  const op = () => Decryptor.decrypt(f.sessionKey, f.iv, f.encryptedData);
  expect(op()['nickName'] === 'Band', 'easywechat Decryptor returns the profile');
  return op;
}

// ---------------------------------------------------------------- pushes

function pushFixture(mode: PushMode): SignedPush {
  return signedPush(
    { fromUserName: OPENID, createTime: Math.floor(Date.now() / 1000), event: 'subscribe' },
    mode,
    '1234567890',
  );
}

/** Body + query in → verified, decrypted, typed push out (what our route does before storing). */
function pushOurs(mode: PushMode): Operation {
  const p = pushFixture(mode);
  const q = p.queryParams;
  const aesKeys = [OA_AES_KEY];
  const op =
    mode === 'safe'
      ? () => {
          // Verify before parse: only <Encrypt> is read before the signature check.
          const encrypt = extractEncryptField(p.body);
          const ok = verifyMsgSignature({
            token: OA_TOKEN,
            timestamp: q.timestamp ?? '',
            nonce: q.nonce ?? '',
            encrypt,
            signature: q.msg_signature ?? '',
          });
          if (!ok) throw new Error('msg_signature');
          return parsePushXml(decryptMessage(encrypt, { aesKeys, appid: OA_APPID }).xml);
        }
      : () => {
          const ok = verifyPushSignature({
            token: OA_TOKEN,
            timestamp: q.timestamp ?? '',
            nonce: q.nonce ?? '',
            signature: q.signature ?? '',
          });
          if (!ok) throw new Error('signature');
          return parsePushXml(p.body);
        };
  expect(op().fromUserName === OPENID, 'contracts parses the push');
  return op;
}

const FIELD = (tag: string) => new RegExp(`<${tag}>(?:<!\\[CDATA\\[)?(.*?)(?:\\]\\]>)?</${tag}>`);
const ENCRYPT = FIELD('Encrypt');
const FROM = FIELD('FromUserName');
const CREATE_TIME = FIELD('CreateTime');
const EVENT = FIELD('Event');

function constantTimeHexEquals(expectedHex: string, given: string): boolean {
  const a = Buffer.from(expectedHex);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Bare node:crypto plus regex field extraction (fast, but not a safe XML parser). */
function pushFloor(mode: PushMode): Operation {
  const p = pushFixture(mode);
  const q = p.queryParams;
  const key = Buffer.from(`${OA_AES_KEY}=`, 'base64');
  const fields = (xml: string) => ({
    from: FROM.exec(xml)?.[1],
    createTime: Number(CREATE_TIME.exec(xml)?.[1]),
    event: EVENT.exec(xml)?.[1],
  });
  const op =
    mode === 'safe'
      ? () => {
          const encrypt = ENCRYPT.exec(p.body)?.[1] ?? '';
          const sig = createHash('sha1')
            .update([OA_TOKEN, q.timestamp ?? '', q.nonce ?? '', encrypt].sort().join(''))
            .digest('hex');
          if (!constantTimeHexEquals(sig, q.msg_signature ?? '')) throw new Error('msg_signature');
          const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
          decipher.setAutoPadding(false);
          const padded = Buffer.concat([decipher.update(encrypt, 'base64'), decipher.final()]);
          const pad = padded[padded.length - 1] ?? 0;
          if (pad < 1 || pad > 32) throw new Error('padding');
          const plain = padded.subarray(0, padded.length - pad);
          const length = plain.readUInt32BE(16);
          if (plain.subarray(20 + length).toString('utf8') !== OA_APPID) throw new Error('appid');
          return fields(plain.subarray(20, 20 + length).toString('utf8'));
        }
      : () => {
          const sig = createHash('sha1')
            .update([OA_TOKEN, q.timestamp ?? '', q.nonce ?? ''].sort().join(''))
            .digest('hex');
          if (!constantTimeHexEquals(sig, q.signature ?? '')) throw new Error('signature');
          return fields(p.body);
        };
  expect(op().from === OPENID, 'floor extracts the sender');
  return op;
}

/**
 * node-webot `wechat` middleware, called directly with a minimal req/res (no
 * HTTP): it verifies, decrypts (wechat-crypto) and parses with xml2js exactly
 * as in an Express app. It reads `req.rawBody` when present.
 */
async function pushWebot(mode: PushMode): Promise<Operation> {
  const p = pushFixture(mode);
  let lastFrom: string | undefined;
  // Given a plain function, the middleware calls it as (req, res, next) with the push in req.weixin.
  const middleware = wechat(
    { token: OA_TOKEN, appid: OA_APPID, encodingAESKey: OA_AES_KEY },
    (req, res) => {
      lastFrom = req.weixin.FromUserName;
      res.reply('');
    },
  );
  const rawBody = Buffer.from(p.body);
  const op = () =>
    new Promise<void>((resolve, reject) => {
      const req = { method: 'POST', query: p.queryParams, rawBody };
      const res = {
        writeHead(status: number) {
          if (status !== 200) reject(new Error(`webot answered ${status}`));
        },
        end() {
          resolve();
        },
      };
      middleware(req, res, (err?: unknown) =>
        reject(err instanceof Error ? err : new Error('next() called')),
      );
    });
  const timed = async () => {
    lastFrom = undefined;
    await op();
    return lastFrom;
  };
  expect((await timed()) === OPENID, 'webot parses the push');
  return timed;
}

/**
 * node-easywechat's official-account Server: serve() on a ServerRequest built
 * from the body and URL (what ServerRequest.createFromIncomingMessage builds),
 * one Server per push (a shared one accumulates a decrypt handler per call).
 */
async function pushEasyWechat(mode: PushMode): Promise<Operation> {
  const p = pushFixture(mode);
  const encryptor = new Encryptor(OA_APPID, OA_TOKEN, OA_AES_KEY, OA_APPID);
  const url = `/wechat?${p.query}`;
  const body = Buffer.from(p.body);
  const timed = async () => {
    let from: string | undefined;
    const server = new EasyWechatServer(new ServerRequest('POST', url, {}, body), encryptor);
    server.with((message) => {
      from = message.FromUserName;
    });
    const response = await server.serve();
    if (response.getStatusCode() !== 200) throw new Error('easywechat did not answer 200');
    return from;
  };
  expect((await timed()) === OPENID, 'easywechat parses the push');
  return timed;
}

// ---------------------------------------------------------------- hostile envelopes

const HOSTILE_BYTES = 64 * 1024;

/** 64 KiB bodies an unauthenticated client can send to the safe-mode route. */
function hostileBody(shape: 'repeated' | 'nested'): string {
  const unit = shape === 'repeated' ? '<a/>' : '<a>';
  const inner = unit.repeat(Math.floor((HOSTILE_BYTES - 11) / unit.length));
  return shape === 'repeated' ? `<xml>${inner}</xml>` : `<xml>${inner}`;
}

/** What the route does with an unauthenticated safe-mode body before it can refuse it. */
function hostileOurs(shape: 'repeated' | 'nested'): Operation {
  const body = hostileBody(shape);
  const op = () => {
    try {
      extractEncryptField(body);
    } catch (error) {
      return error;
    }
    throw new Error('hostile body accepted');
  };
  expect(op() instanceof Error, 'the hostile body is refused');
  return op;
}

/** The same bodies through the former route order: the whole envelope parsed first. */
function hostileParseFirst(shape: 'repeated' | 'nested'): Operation {
  const body = hostileBody(shape);
  const op = () => {
    try {
      parseEncryptedEnvelope(body);
    } catch (error) {
      return error;
    }
    throw new Error('hostile body accepted');
  };
  expect(op() instanceof Error, 'the hostile body is refused');
  return op;
}

// ---------------------------------------------------------------- registry

export interface CaseSpec {
  id: string;
  group: 'userdata' | 'safe' | 'plain' | 'hostile';
  role: 'ours' | 'floor' | 'peer';
  name: string;
  note?: string;
  make?: () => Operation | Promise<Operation>;
  /** Set when the peer has no equivalent function. */
  unavailable?: string;
}

export const CASES: readonly CaseSpec[] = [
  {
    id: 'userdata.ours',
    group: 'userdata',
    role: 'ours',
    name: '@wxlink/contracts openUserData',
    make: userDataOurs,
  },
  {
    id: 'userdata.floor',
    group: 'userdata',
    role: 'floor',
    name: 'floor: bare node:crypto',
    make: userDataFloor,
  },
  {
    id: 'userdata.easywechat',
    group: 'userdata',
    role: 'peer',
    name: 'node-easywechat 3.6.2 MiniApp Decryptor.decrypt',
    note: 'decrypt + JSON.parse only: no rawData signature, watermark appid/age or openId check',
    make: userDataEasyWechat,
  },
  {
    id: 'userdata.webot',
    group: 'userdata',
    role: 'peer',
    name: 'node-webot wechat 2.1.0',
    unavailable: 'no mini-program user-data function (official-account messages only)',
  },
  {
    id: 'safe.ours',
    group: 'safe',
    role: 'ours',
    name: '@wxlink/contracts extractEncryptField + verifyMsgSignature + decryptMessage + parsePushXml',
    make: () => pushOurs('safe'),
  },
  {
    id: 'safe.floor',
    group: 'safe',
    role: 'floor',
    name: 'floor: bare node:crypto + regex fields',
    note: 'regex extraction is not a safe XML parser; it is the lower bound, not an option',
    make: () => pushFloor('safe'),
  },
  {
    id: 'safe.webot',
    group: 'safe',
    role: 'peer',
    name: 'node-webot wechat 2.1.0 middleware (wechat-crypto + xml2js)',
    note: 'called without HTTP; checks neither the appid inside the message nor rejects plaintext in safe mode',
    make: () => pushWebot('safe'),
  },
  {
    id: 'safe.easywechat',
    group: 'safe',
    role: 'peer',
    name: 'node-easywechat 3.6.2 OfficialAccount Server.serve',
    note: 'called without HTTP; async API (xml2js parseStringPromise)',
    make: () => pushEasyWechat('safe'),
  },
  {
    id: 'plain.ours',
    group: 'plain',
    role: 'ours',
    name: '@wxlink/contracts verifyPushSignature + parsePushXml',
    make: () => pushOurs('plain'),
  },
  {
    id: 'plain.floor',
    group: 'plain',
    role: 'floor',
    name: 'floor: sha1 + regex fields',
    make: () => pushFloor('plain'),
  },
  {
    id: 'plain.webot',
    group: 'plain',
    role: 'peer',
    name: 'node-webot wechat 2.1.0 middleware (xml2js)',
    make: () => pushWebot('plain'),
  },
  {
    id: 'plain.easywechat',
    group: 'plain',
    role: 'peer',
    name: 'node-easywechat 3.6.2 OfficialAccount Server.serve',
    note: 'does not verify the plaintext `signature` at all (as shipped)',
    make: () => pushEasyWechat('plain'),
  },
  {
    id: 'hostile.normal',
    group: 'hostile',
    role: 'ours',
    name: 'a genuine safe-mode push: extract + verify + decrypt + parse',
    make: () => pushOurs('safe'),
  },
  {
    id: 'hostile.repeated',
    group: 'hostile',
    role: 'floor',
    name: '64 KiB of <a/> refused by extractEncryptField',
    make: () => hostileOurs('repeated'),
  },
  {
    id: 'hostile.nested',
    group: 'hostile',
    role: 'floor',
    name: '64 KiB of nested <a> refused by extractEncryptField',
    make: () => hostileOurs('nested'),
  },
  {
    id: 'hostile.parse-first',
    group: 'hostile',
    role: 'peer',
    name: 'former order: 64 KiB of <a/> through parseEncryptedEnvelope',
    note: 'what the route did before verify-before-parse (the whole envelope parsed first)',
    make: () => hostileParseFirst('repeated'),
  },
];

export function findCase(id: string): CaseSpec {
  const spec = CASES.find((c) => c.id === id);
  if (!spec) throw new Error(`unknown crypto case ${id}`);
  return spec;
}
