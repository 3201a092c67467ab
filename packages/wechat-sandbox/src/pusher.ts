import http from 'node:http';
import https from 'node:https';
import { SandboxError } from './errors';
import { buildXml } from './event-xml';
import type { XmlFields } from './event-xml';
import { newNonce } from './ids';
import { encryptMessage, msgSignature, pushSignature } from './wechat-crypto';

/**
 * Delivers official-account pushes the way WeChat's servers do.
 *
 * URL query: `signature`, `timestamp`, `nonce`, `openid`, plus in safe and
 * compat mode `encrypt_type=aes` and `msg_signature`. Body: the event XML
 * (plain), `<xml><ToUserName/><Encrypt/></xml>` (safe), or the plain fields
 * plus `<Encrypt>` (compat), `Content-Type: text/xml`.
 *
 * Retries: the docs say "微信服务器在五秒内收不到响应会断掉连接，并且重新发起请求，
 * 总共重试三次" and, in the English version, "A maximum of three retries are
 * made". We read that as one delivery plus up to three retries, i.e. at most
 * four attempts, each with a 5 s timeout. Delivery counts as acknowledged on
 * a 2xx whose body is empty, `success`, or a passive-reply XML; anything
 * else (non-2xx, a timeout, a connection error) is retried.
 */

export type PushMode = 'plain' | 'compat' | 'safe';

export interface PushTarget {
  url: string;
  mode: PushMode;
}

export interface PushAttempt {
  status?: number;
  body?: string;
  error?: string;
  ms: number;
}

export interface PushResult {
  delivered: boolean;
  attempts: PushAttempt[];
}

export interface PushOptions {
  mode?: PushMode;
  url?: string;
  /** Per-attempt timeout. Default 5000 (WeChat's). */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 3 (see above). */
  retries?: number;
  /** Pause between attempts. Default 0. */
  retryDelayMs?: number;
}

export interface PushCredentials {
  appid: string;
  token: string;
  encodingAesKey: string;
  /** Unix seconds, from the sandbox clock. */
  nowSeconds: () => number;
}

export const DEFAULT_PUSH_TIMEOUT_MS = 5000;
export const DEFAULT_PUSH_RETRIES = 3;
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface PreparedPush {
  url: string;
  body: string;
}

/** Signs (and encrypts) one push: URL with query and the body to POST. */
export function preparePush(
  fields: XmlFields,
  target: PushTarget,
  creds: PushCredentials,
): PreparedPush {
  const timestamp = String(creds.nowSeconds());
  const nonce = newNonce();
  const url = new URL(target.url);
  url.searchParams.set('signature', pushSignature(creds.token, timestamp, nonce));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  if (typeof fields.FromUserName === 'string') url.searchParams.set('openid', fields.FromUserName);
  const xml = buildXml(fields);
  if (target.mode === 'plain') return { url: url.toString(), body: xml };

  const encrypt = encryptMessage(xml, creds.encodingAesKey, creds.appid);
  url.searchParams.set('encrypt_type', 'aes');
  url.searchParams.set('msg_signature', msgSignature(creds.token, timestamp, nonce, encrypt));
  const envelope: XmlFields =
    target.mode === 'safe'
      ? { ToUserName: String(fields.ToUserName ?? ''), Encrypt: encrypt }
      : { ...fields, Encrypt: encrypt };
  return { url: url.toString(), body: buildXml(envelope) };
}

function isAcknowledged(status: number, body: string): boolean {
  if (status < 200 || status >= 300) return false;
  const text = body.trim();
  return text === '' || text === 'success' || text.startsWith('<xml');
}

/** One POST with a hard timeout covering connect, headers and body. */
export function postOnce(url: string, body: string, timeoutMs: number): Promise<PushAttempt> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (attempt: Omit<PushAttempt, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...attempt, ms: Date.now() - started });
    };
    const parsed = new URL(url);
    const client = parsed.protocol === 'https:' ? https : http;
    const req = client.request(
      parsed,
      {
        method: 'POST',
        agent: false, // a fresh connection per attempt, as a retry after a timeout is
        headers: {
          'Content-Type': 'text/xml',
          'Content-Length': Buffer.byteLength(body),
          'User-Agent': 'Mozilla/4.0 (wechat-sandbox)',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        res.on('end', () => {
          finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => finish({ status: res.statusCode, error: err.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ error: `timeout after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => finish({ error: err.message }));
    req.end(body);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends a prepared push with WeChat's timeout/retry policy. */
export async function deliver(
  prepared: PreparedPush,
  opts: Pick<PushOptions, 'timeoutMs' | 'retries' | 'retryDelayMs'> = {},
): Promise<PushResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS;
  const retries = opts.retries ?? DEFAULT_PUSH_RETRIES;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new SandboxError('INVALID_OPTION', 'timeoutMs must be a positive number');
  }
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) {
    throw new SandboxError('INVALID_OPTION', 'retries must be an integer between 0 and 10');
  }
  const attempts: PushAttempt[] = [];
  for (let i = 0; i <= retries; i += 1) {
    if (i > 0 && opts.retryDelayMs) await sleep(opts.retryDelayMs);
    const attempt = await postOnce(prepared.url, prepared.body, timeoutMs);
    attempts.push(attempt);
    if (attempt.status !== undefined && isAcknowledged(attempt.status, attempt.body ?? '')) {
      return { delivered: true, attempts };
    }
  }
  return { delivered: false, attempts };
}
