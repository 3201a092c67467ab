/**
 * Helpers shared by the official-account tests (events*, linkage*, followers*,
 * oauth*): signed push building, waiting for the inbox, and small fakes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildReplyXml, encryptMessage, msgSignature, pushSignature } from '@wxlink/contracts/node';
import type { Sandbox } from '@wxlink/wechat-sandbox';
import type { AppDeps } from '../../src/deps';
import type { FollowerState } from '@wxlink/contracts';
import { waitFor } from '../support/cluster';

export const EVENTS_PATH = '/wechat/official-account/events';

/** Fast processing for tests: short poll, short backoff, few attempts. */
export const FAST_WORKERS = {
  inbox: {
    pollIntervalMs: 25,
    backoffBaseMs: 50,
    backoffMaxMs: 400,
    maxAttempts: 8,
    concurrency: 2,
  },
};

export interface SignedPush {
  path: string;
  body: string;
}

/** Builds a push exactly as WeChat would (plain, compat or safe), without sending it. */
export function signedPush(
  fields: Record<string, string | number>,
  opts: {
    token: string;
    appid: string;
    aesKey?: string;
    mode: 'plain' | 'compat' | 'safe';
    timestamp?: number;
    nonce?: string;
  },
): SignedPush {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? String(Math.floor(Math.random() * 1e9));
  const q = new URLSearchParams({
    signature: pushSignature(opts.token, timestamp, nonce),
    timestamp,
    nonce,
  });
  const xml = buildReplyXml(fields);
  if (opts.mode === 'plain') return { path: `${EVENTS_PATH}?${q.toString()}`, body: xml };
  if (!opts.aesKey) throw new Error('aesKey needed');
  const encrypt = encryptMessage(xml, { aesKey: opts.aesKey, appid: opts.appid });
  q.set('encrypt_type', 'aes');
  q.set('msg_signature', msgSignature(opts.token, timestamp, nonce, encrypt));
  const envelope: Record<string, string | number> =
    opts.mode === 'safe'
      ? { ToUserName: String(fields.ToUserName ?? ''), Encrypt: encrypt }
      : { ...fields, Encrypt: encrypt };
  return { path: `${EVENTS_PATH}?${q.toString()}`, body: buildReplyXml(envelope) };
}

function followFields(
  sandbox: Sandbox,
  openid: string,
  event: 'subscribe' | 'unsubscribe',
  at: number,
  scene?: string,
): Record<string, string | number> {
  return {
    ToUserName: sandbox.config.officialAccount.originalId,
    FromUserName: openid,
    CreateTime: at,
    MsgType: 'event',
    Event: event,
    EventKey: scene ? `qrscene_${scene}` : '',
  };
}

/**
 * A follow/unfollow push signed with the sandbox's official-account credentials;
 * `aesKey` overrides the sandbox's EncodingAESKey (key rotation tests).
 */
export function followPush(
  sandbox: Sandbox,
  openid: string,
  event: 'subscribe' | 'unsubscribe',
  at: number,
  mode: 'plain' | 'compat' | 'safe' = 'safe',
  aesKey: string = sandbox.config.officialAccount.encodingAesKey,
): SignedPush {
  const { appid, token } = sandbox.config.officialAccount;
  return signedPush(followFields(sandbox, openid, event, at), { token, appid, aesKey, mode });
}

export async function postXml(
  baseUrl: string,
  push: SignedPush,
): Promise<{ status: number; text: string }> {
  const res = await fetch(baseUrl + push.path, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: push.body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text() };
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  return waitFor(what, check, timeoutMs, 25);
}

/** Waits until no inbox item is pending or processing. */
export async function inboxSettled(
  deps: Pick<AppDeps, 'models'>,
  timeoutMs = 10_000,
): Promise<void> {
  await eventually(
    async () =>
      (await deps.models.Inbox.countDocuments({ status: { $in: ['pending', 'processing'] } })) ===
      0,
    timeoutMs,
    'the inbox to settle',
  );
}

export async function followerOf(
  deps: Pick<AppDeps, 'models'>,
  openid: string,
): Promise<(FollowerState & { openid: string }) | null> {
  return deps.models.Follower.findOne({ openid }).lean();
}

/**
 * An HTTP proxy in front of a server that forwards every request but loses the
 * answer to the first delivery of each distinct body: the server stored the
 * push, WeChat never heard back, so it retries (the realistic duplicate).
 */
export async function startLossyProxy(
  target: string,
): Promise<{ url: string; forwarded: () => number; close(): Promise<void> }> {
  const seen = new Set<string>();
  let forwarded = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const key = body.toString('utf8');
      const first = !seen.has(key);
      seen.add(key);
      forwarded++;
      void fetch(target + (req.url ?? '/'), {
        method: req.method ?? 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'text/xml' },
        body,
      }).then(
        async (answer) => {
          const text = await answer.text();
          if (first) {
            res.destroy(); // the answer is lost on the way back
            return;
          }
          res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(text);
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded: () => forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
