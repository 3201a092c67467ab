import {
  decryptMessage,
  parseEncryptedEnvelope,
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
import { AppError } from '../../platform/errors';
import { isDuplicateKeyError } from '../../platform/retry';
import { signalInboxWrite } from '../inbox/signal';
import { withTimeout } from '../../platform/with-timeout';

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
}

/**
 * Verifies and opens one POSTed push.
 *
 * - `encrypt_type=aes`: `msg_signature` over the <Encrypt> value, then AES
 *   decryption with the current key, else the previous one; the appid inside
 *   must be ours. In compat mode the plaintext copy beside <Encrypt> is
 *   ignored: only the authenticated ciphertext counts.
 * - otherwise: `signature` over token/timestamp/nonce; refused in safe mode.
 */
export function openPush(oa: OaConfig, query: PushQuery, body: string): OpenedPush {
  const timestamp = str(query.timestamp);
  const nonce = str(query.nonce);
  const encryptType = str(query.encrypt_type);

  if (encryptType === 'aes') {
    if (oa.aesKeys.length === 0) {
      throw new AppError('PUSH_REJECTED', 'Encrypted push but no EncodingAESKey is configured');
    }
    const envelope = guardXml(() => parseEncryptedEnvelope(body));
    const signed = verifyMsgSignature({
      token: oa.token,
      timestamp,
      nonce,
      encrypt: envelope.encrypt,
      signature: str(query.msg_signature),
    });
    if (!signed) throw badSignature();
    let opened: { xml: string; keyIndex: number };
    try {
      opened = decryptMessage(envelope.encrypt, { aesKeys: oa.aesKeys, appid: oa.appid });
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
    return { message: guardXml(() => parsePushXml(opened.xml)), keyIndex: opened.keyIndex };
  }

  if (encryptType !== '' && encryptType !== 'raw') {
    throw new AppError('PUSH_REJECTED', 'Unsupported encrypt_type');
  }
  const signed = verifyPushSignature({
    token: oa.token,
    timestamp,
    nonce,
    signature: str(query.signature),
  });
  if (!signed) throw badSignature();
  if (oa.encryptMode === 'safe') {
    throw new AppError('PUSH_REJECTED', 'Plaintext pushes are refused in safe mode');
  }
  return { message: guardXml(() => parsePushXml(body)), keyIndex: null };
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
 * Persists the push in the inbox. A duplicate (WeChat's retry, or the same
 * push at another instance) is fine: it is already stored. Any other failure,
 * including a database that does not answer within `timeoutMs`, is
 * SERVICE_UNAVAILABLE: the route then leaves the push unanswered, WeChat
 * retries, and nothing is lost.
 */
export async function storePush(
  deps: Pick<AppDeps, 'models' | 'clock' | 'metrics' | 'logger'>,
  appid: string,
  message: PushMessage,
  timeoutMs: number,
): Promise<StoreOutcome> {
  const now = deps.clock.now();
  const write = deps.models.Inbox.create({
    dedupKey: dedupKeyOf(message),
    appid,
    type: message.type,
    openid: message.fromUserName,
    createTime: message.createTime,
    payload: inboxPayloadOf(message),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    receivedAt: now,
  });
  try {
    await withTimeout(write, timeoutMs);
  } catch (err) {
    if (isDuplicateKeyError(err)) {
      deps.metrics.eventsDeduplicated.inc();
      return 'duplicate';
    }
    deps.logger.error(
      { err: err instanceof Error ? err.message : String(err), type: message.type },
      'inbox write failed; the push stays unanswered so WeChat retries',
    );
    throw new AppError('SERVICE_UNAVAILABLE', 'Event could not be stored; retry later');
  }
  deps.metrics.eventsReceived.inc({ type: message.type });
  signalInboxWrite(deps.models.Inbox);
  return 'stored';
}
