import {
  decryptMessage,
  extractEncryptField,
  parsePushXml,
  verifyMsgSignature,
  verifyPushSignature,
  WechatCryptoError,
  WechatXmlError,
  type PushMessage,
} from '@wxlink/contracts/node';
import { pushDedupKey } from '@wxlink/contracts';
import type { OfficialAccountConfig } from '../../config';
import type { AppDeps } from '../../deps';
import { AppError, describeError } from '../../platform/errors';
import { isDuplicateKeyError } from '../../platform/retry';
import type { InboxItem, SignedQueryBinding } from '../inbox/inbox.model';
import { signalWrite } from '../write-signal';
import { withTimeout } from '../../platform/with-timeout';
import {
  checkCreateTime,
  checkPushTimestamp,
  settleBoundDuplicate,
  signedQueryBinding,
} from './replay-guard';

/**
 * Official-account push intake: verify, open, parse, store. The HTTP route is
 * a thin shell around these functions. Order matters: nothing is parsed
 * beyond the bounded envelope before the signature is checked, and nothing is
 * acknowledged before it is stored.
 */

/** The query string WeChat appends to the push URL. Values are untrusted. */
export interface PushQuery {
  signature?: unknown;
  timestamp?: unknown;
  nonce?: unknown;
  echostr?: unknown;
  encrypt_type?: unknown;
  msg_signature?: unknown;
}

type OaConfig = Pick<OfficialAccountConfig, 'appid' | 'token' | 'aesKeys' | 'encryptMode'>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const badSignature = (): AppError =>
  new AppError('PUSH_SIGNATURE_INVALID', 'Push signature does not verify');

/** URL verification (接入指南): echo `echostr` only for a correctly signed request. */
export function verifyUrl(oa: OaConfig, query: PushQuery): string {
  const echostr = str(query.echostr);
  const ok = verifyPushSignature({
    token: oa.token,
    timestamp: str(query.timestamp),
    nonce: str(query.nonce),
    signature: str(query.signature),
  });
  if (!ok || echostr === '') throw badSignature();
  return echostr;
}

export interface OpenedPush {
  message: PushMessage;
  /** Which EncodingAESKey opened it: 0 current, 1 previous (rotation); null for plaintext. */
  keyIndex: number | null;
  /** The signed timestamp, in seconds (already checked against the time window). */
  timestampSeconds: number;
  /**
   * The signed query (`signature`, timestamp, nonce) bound to the body
   * (replay-guard.ts), stored with the push. A plaintext push's signature
   * does not cover its body; in compat mode the same `signature` rides along
   * with encrypted pushes, so they are bound too, or their logged URL could
   * carry a forged plaintext body. Null in safe mode: plaintext is refused
   * there and msg_signature covers the ciphertext, so there is nothing to bind.
   */
  binding: SignedQueryBinding | null;
}

/** When the push is opened and how old its signed timestamp may be. */
export interface PushWindow {
  now: Date;
  maxAgeSeconds: number;
}

/**
 * Verifies and opens one POSTed push. The signature is checked before
 * anything is parsed, then the signed timestamp's age, then the message.
 *
 * - `encrypt_type=aes`: only a bounded extraction of <Encrypt> (no XML
 *   parser) precedes `msg_signature`; then AES decryption with the current
 *   key, else the previous one; the appid inside must be ours. In compat mode
 *   the plaintext copy beside <Encrypt> is ignored: only the authenticated
 *   ciphertext counts.
 * - otherwise: `signature` over token/timestamp/nonce; refused in safe mode.
 */
export function openPush(
  oa: OaConfig,
  query: PushQuery,
  body: string,
  window: PushWindow,
): OpenedPush {
  const encryptType = str(query.encrypt_type);
  if (encryptType === 'aes') return openEncrypted(oa, query, body, window);
  if (encryptType !== '' && encryptType !== 'raw') {
    throw new AppError('PUSH_REJECTED', 'Unsupported encrypt_type');
  }
  const timestamp = str(query.timestamp);
  const nonce = str(query.nonce);
  const signature = str(query.signature);
  if (!verifyPushSignature({ token: oa.token, timestamp, nonce, signature })) {
    throw badSignature();
  }
  if (oa.encryptMode === 'safe') {
    throw new AppError('PUSH_REJECTED', 'Plaintext pushes are refused in safe mode');
  }
  const timestampSeconds = checkPushTimestamp(timestamp, window.now, window.maxAgeSeconds);
  const message = guardXml(() => parsePushXml(body));
  checkCreateTime(message.createTime, window.now);
  const use = { appid: oa.appid, timestamp, nonce, signature, body };
  const binding = signedQueryBinding(use, timestampSeconds, window.maxAgeSeconds);
  return { message, keyIndex: null, timestampSeconds, binding };
}

function openEncrypted(
  oa: OaConfig,
  query: PushQuery,
  body: string,
  window: PushWindow,
): OpenedPush {
  if (oa.aesKeys.length === 0) {
    throw new AppError('PUSH_REJECTED', 'Encrypted push but no EncodingAESKey is configured');
  }
  const timestamp = str(query.timestamp);
  const encrypt = guardXml(() => extractEncryptField(body));
  const signed = verifyMsgSignature({
    token: oa.token,
    timestamp,
    nonce: str(query.nonce),
    encrypt,
    signature: str(query.msg_signature),
  });
  if (!signed) throw badSignature();
  const timestampSeconds = checkPushTimestamp(timestamp, window.now, window.maxAgeSeconds);
  let opened: { xml: string; keyIndex: number };
  try {
    opened = decryptMessage(encrypt, { aesKeys: oa.aesKeys, appid: oa.appid });
  } catch (err) {
    if (err instanceof WechatCryptoError) {
      throw new AppError(
        'PUSH_REJECTED',
        err.code === 'APPID_MISMATCH'
          ? 'Encrypted push is addressed to another appid'
          : 'Encrypted push could not be decrypted',
      );
    }
    throw err;
  }
  const message = guardXml(() => parsePushXml(opened.xml));
  checkCreateTime(message.createTime, window.now);
  const binding =
    oa.encryptMode === 'safe'
      ? null
      : signedQueryBinding(
          {
            appid: oa.appid,
            timestamp,
            nonce: str(query.nonce),
            signature: str(query.signature),
            body,
          },
          timestampSeconds,
          window.maxAgeSeconds,
        );
  return { message, keyIndex: opened.keyIndex, timestampSeconds, binding };
}

function guardXml<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof WechatXmlError) {
      // The XML error messages never echo content, only what is wrong.
      throw new AppError('PUSH_REJECTED', `Push XML rejected: ${err.message}`);
    }
    throw err;
  }
}

function dedupKeyOf(message: PushMessage): string {
  return pushDedupKey({
    MsgType: message.msgType,
    FromUserName: message.fromUserName,
    CreateTime: message.createTime,
    ...(message.event !== undefined ? { Event: message.event } : {}),
    ...(message.type === 'message' ? { MsgId: message.msgId } : {}),
  });
}

/** The typed fields of a push, as stored in the inbox (the raw fields as JSON text). */
function inboxPayloadOf(message: PushMessage): Record<string, unknown> {
  const { raw, ...typed } = message;
  return { ...typed, raw: JSON.stringify(raw) };
}

export type StoreOutcome = 'stored' | 'duplicate';

/**
 * How long a push may wait for the database: well inside WeChat's answer
 * deadline, so an answer (or the decision to give none) is made in time.
 */
export function inboxWriteTimeoutMs(answerDeadlineMs: number): number {
  return Math.min(3000, Math.floor(answerDeadlineMs * 0.6));
}

/**
 * Persists the push in the inbox, with its signed-query binding if it has
 * one (the same insert binds the query: replay-guard.ts). A duplicate
 * (WeChat's retry, or the same push at another instance) is fine: it is
 * already stored; a bound query met with another body is refused
 * (PUSH_SIGNATURE_INVALID). Any other failure, including a database that does
 * not answer within `timeoutMs`, is SERVICE_UNAVAILABLE: the route then
 * leaves the push unanswered, WeChat retries, and nothing is lost.
 */
export async function storePush(
  deps: Pick<AppDeps, 'models' | 'clock' | 'metrics' | 'logger' | 'inserts'>,
  appid: string,
  opened: Pick<OpenedPush, 'message' | 'binding'>,
  timeoutMs: number,
): Promise<StoreOutcome> {
  const { message, binding } = opened;
  const deadline = Date.now() + timeoutMs;
  const now = deps.clock.now();
  // Every field spelled out (the type makes the list complete) and inserted
  // with the driver: the push path skips building a mongoose document, which
  // was a third of its CPU (bench/README.md). Concurrent pushes share one
  // insert command (platform/insert-batcher.ts); the unique index still
  // decides, per push.
  const item: InboxItem = {
    dedupKey: dedupKeyOf(message),
    appid,
    type: message.type,
    openid: message.fromUserName,
    createTime: message.createTime,
    payload: inboxPayloadOf(message),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    leaseUntil: null,
    leaseOwner: null,
    lastError: null,
    receivedAt: now,
    processedAt: null,
    // Present only when bound: the unique index covers documents that have it.
    ...(binding !== null ? { signedQuery: binding } : {}),
  };
  const write = deps.inserts.inbox.insert(item);
  try {
    await withTimeout(write, timeoutMs);
  } catch (err) {
    if (isDuplicateKeyError(err)) {
      if (binding !== null) {
        await settleBoundDuplicate(deps, appid, binding, Math.max(1, deadline - Date.now()));
      }
      deps.metrics.eventsDeduplicated.inc();
      return 'duplicate';
    }
    deps.logger.error(
      { err: describeError(err), type: message.type },
      'inbox write failed; the push stays unanswered so WeChat retries',
    );
    throw new AppError('SERVICE_UNAVAILABLE', 'Event could not be stored; retry later');
  }
  deps.metrics.eventsReceived.inc({ type: message.type });
  signalWrite(deps.models.Inbox);
  return 'stored';
}
