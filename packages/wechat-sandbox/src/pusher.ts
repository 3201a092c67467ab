import http from 'node:http';
import https from 'node:https';
import { SandboxError } from './errors';
import { buildXml } from './event-xml';
import type { XmlFields } from './event-xml';
import { newNonce } from './ids';
import { sandboxEncryptMessage, sandboxMsgSignature, sandboxPushSignature } from './wechat-crypto';

/**
 * Delivers official-account pushes the way WeChat's servers do.
 *
 * URL query: `signature`, `timestamp`, `nonce`, `openid`, plus in safe and
 * compat mode `encrypt_type=aes` and `msg_signature`. Body: the event XML
 * (plain), `<xml><ToUserName/><Encrypt/></xml>` (safe), or the plain fields
 * plus `<Encrypt>` (compat), `Content-Type: text/xml`.
 *
 * Retries, per the event-push page: "微信服务器在五秒内收不到响应会断掉连接，并且重新发起
 * 请求，总共重试三次" and "假如服务器无法保证在五秒内处理并回复，可以直接回复空串，微信服务器
 * 不会对此作任何处理，并且不会发起重试". So WeChat makes 3 attempts in all
 * ("总共…三次"), each given 5 s; the next attempt starts when the previous
 * one's 5 s have run out without an answer (a refused connection is no
 * answer either, so the sandbox waits out the window before trying again).
 * Any answer ends delivery: `success`, an empty body or a passive-reply XML
 * acknowledge it; anything else (a 5xx, JSON…) makes WeChat show the user
 * "该公众号暂时无法提供服务，请稍后再试" but is not retried.
 */

/** WeChat's three 消息加解密方式: 明文, 兼容 and 安全模式. */
const PUSH_MODES = ['plain', 'compat', 'safe'] as const;
export type PushMode = (typeof PUSH_MODES)[number];

/** Whether `v` names a push mode. */
export function isPushMode(v: unknown): v is PushMode {
  return (PUSH_MODES as readonly unknown[]).includes(v);
}

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

/**
 * How a push ended: acknowledged; answered with something WeChat does not
 * accept (not retried); or never answered within any attempt's window.
 */
export type PushOutcome = 'acknowledged' | 'rejected' | 'unanswered';

export interface PushResult {
  /** The receiver acknowledged the push (`outcome === 'acknowledged'`). */
  delivered: boolean;
  outcome: PushOutcome;
  attempts: PushAttempt[];
}

export interface PushOptions {
  mode?: PushMode;
  url?: string;
  /** Per-attempt window. Default 5000 (WeChat's). */
  timeoutMs?: number;
  /** Attempts in all. Default 3 (WeChat's, see above). */
  attempts?: number;
}

export interface PushCredentials {
  appid: string;
  token: string;
  encodingAesKey: string;
  /** Unix seconds, from the sandbox clock. */
  nowSeconds: () => number;
}

/** WeChat's per-attempt window: "五秒内收不到响应会断掉连接". */
export const DEFAULT_PUSH_TIMEOUT_MS = 5000;
/** WeChat's attempts in all: "总共重试三次". */
export const DEFAULT_PUSH_ATTEMPTS = 3;
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
  url.searchParams.set('signature', sandboxPushSignature(creds.token, timestamp, nonce));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  if (typeof fields.FromUserName === 'string') url.searchParams.set('openid', fields.FromUserName);
  const xml = buildXml(fields);
  if (target.mode === 'plain') return { url: url.toString(), body: xml };

  const encrypt = sandboxEncryptMessage(xml, creds.encodingAesKey, creds.appid);
  url.searchParams.set('encrypt_type', 'aes');
  url.searchParams.set(
    'msg_signature',
    sandboxMsgSignature(creds.token, timestamp, nonce, encrypt),
  );
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
  // unref: a push waiting out its window never keeps a process alive.
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The receiver answered (a full HTTP response), whatever it said. */
function answered(attempt: PushAttempt): boolean {
  return attempt.status !== undefined && attempt.error === undefined;
}

function checkPolicy(timeoutMs: number, attempts: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 60_000) {
    throw new SandboxError('INVALID_OPTION', 'timeoutMs must be between 1 and 60000');
  }
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) {
    throw new SandboxError('INVALID_OPTION', 'attempts must be an integer between 1 and 10');
  }
}

/** Sends a prepared push with WeChat's window/attempt policy (see the top of this file). */
export async function deliver(
  prepared: PreparedPush,
  opts: Pick<PushOptions, 'timeoutMs' | 'attempts'> = {},
): Promise<PushResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS;
  const maxAttempts = opts.attempts ?? DEFAULT_PUSH_ATTEMPTS;
  checkPolicy(timeoutMs, maxAttempts);
  const attempts: PushAttempt[] = [];
  for (let i = 0; i < maxAttempts; i += 1) {
    const attempt = await postOnce(prepared.url, prepared.body, timeoutMs);
    attempts.push(attempt);
    if (answered(attempt)) {
      const ok = isAcknowledged(attempt.status ?? 0, attempt.body ?? '');
      return { delivered: ok, outcome: ok ? 'acknowledged' : 'rejected', attempts };
    }
    // No answer: the next attempt starts when this one's window has run out.
    if (i + 1 < maxAttempts && attempt.ms < timeoutMs) await sleep(timeoutMs - attempt.ms);
  }
  return { delivered: false, outcome: 'unanswered', attempts };
}
