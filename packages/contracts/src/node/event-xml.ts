/**
 * Official-account push XML: hardened parsing into a typed union and the
 * safe-mode envelope (replies: reply-xml.ts; verify-before-parse extraction
 * of <Encrypt>: encrypt-field.ts).
 *
 * Parsing order, each step with its own typed error:
 * 1. size cap on the UTF-8 bytes (XML_TOO_LARGE), before any scanning;
 * 2. one strict linear pass over the markup (xml-scan.ts): no declaration
 *    (<!DOCTYPE, <!ENTITY, …: XML_ENTITY_FORBIDDEN), bounded nesting
 *    (XML_TOO_DEEP), well-formed, and only the five predefined and numeric
 *    character references (XML_MALFORMED), so nothing can expand;
 * 3. fast-xml-parser builds the values, every one kept as a string (a 19-digit
 *    MsgId is never rounded), its entity decoder limited to those references;
 * 4. the typed view, with CreateTime as an integer (XML_MISSING_FIELD /
 *    XML_MALFORMED when a field is absent or has the wrong shape).
 *
 * Formats: 接收事件推送 (subscribe / unsubscribe / SCAN, EventKey "qrscene_…"),
 * 接收普通消息 (MsgId), 消息加解密 (<Encrypt> envelope).
 */
import { WechatXmlError } from './errors';
import { parseDocument, type ParseXmlOptions, type XmlRecord } from './xml-document';
import { malformed } from './xml-scan';

export {
  DEFAULT_MAX_XML_BYTES,
  DEFAULT_MAX_XML_DEPTH,
  type ParseXmlOptions,
  type XmlRecord,
  type XmlValue,
} from './xml-document';

interface PushBase {
  toUserName: string;
  /** The sender's openid. */
  fromUserName: string;
  /** Unix seconds. */
  createTime: number;
  msgType: string;
  /** The Event field as sent (e.g. "subscribe", "SCAN"); present on event pushes. */
  event?: string;
  /** Every top-level field of the push, as strings (nested elements as records). */
  raw: XmlRecord;
}

/** A user followed the account (Event "subscribe"), possibly through a parameterised QR code. */
export interface SubscribePush extends PushBase {
  type: 'subscribe';
  event: string;
  eventKey?: string;
  ticket?: string;
  /** The QR scene: EventKey without its "qrscene_" prefix, when it has one. */
  scene?: string;
}

/** A user unfollowed the account (Event "unsubscribe"). */
export interface UnsubscribePush extends PushBase {
  type: 'unsubscribe';
  event: string;
}

/** An already-following user scanned a parameterised QR code (Event "SCAN"). */
export interface ScanPush extends PushBase {
  type: 'scan';
  event: string;
  eventKey?: string;
  ticket?: string;
}

/** A user message (text, image, voice, …), identified by MsgId. */
export interface MessagePush extends PushBase {
  type: 'message';
  /** Kept as a string: MsgIds exceed 2^53. */
  msgId: string;
  /** The Content of a text message. */
  content?: string;
}

/** Any other event, or a message without MsgId; the fields stay in `raw`. */
export interface UnknownPush extends PushBase {
  type: 'unknown';
}

/** The typed result of parsePushXml, told apart by `type`. */
export type PushMessage = SubscribePush | UnsubscribePush | ScanPush | MessagePush | UnknownPush;

/** The fields of a safe-mode POST body that parseEncryptedEnvelope reads. */
export interface EncryptedEnvelope {
  toUserName?: string;
  encrypt: string;
}

// ---------------------------------------------------------------- parsing

function optionalText(fields: XmlRecord, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformed(`${name} must be a single text value`);
  return value;
}

function requiredText(fields: XmlRecord, name: string): string {
  const value = optionalText(fields, name);
  if (value === undefined || value === '') {
    throw new WechatXmlError('XML_MISSING_FIELD', `${name} is missing`);
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

const UNIX_SECONDS = /^[0-9]{1,12}$/;
const QR_SCENE_PREFIX = 'qrscene_';

/** The typed view of an event push (MsgType "event"), from its fields. */
function eventPush(base: PushBase, raw: XmlRecord): PushMessage {
  const event = requiredText(raw, 'Event');
  const kind = event.toLowerCase();
  const { toUserName, fromUserName, createTime, msgType } = base;
  // Literal objects (not spreads) keep one hidden class per result type.
  if (kind === 'unsubscribe') {
    return { toUserName, fromUserName, createTime, msgType, raw, type: 'unsubscribe', event };
  }
  if (kind !== 'subscribe' && kind !== 'scan') {
    return { toUserName, fromUserName, createTime, msgType, raw, type: 'unknown', event };
  }
  // The QR fields subscribe and SCAN share, each only when present.
  const type = kind === 'scan' ? 'scan' : 'subscribe';
  const message: SubscribePush | ScanPush = {
    toUserName,
    fromUserName,
    createTime,
    msgType,
    raw,
    type,
    event,
  };
  const eventKey = nonEmpty(optionalText(raw, 'EventKey'));
  const ticket = nonEmpty(optionalText(raw, 'Ticket'));
  if (eventKey !== undefined) message.eventKey = eventKey;
  if (ticket !== undefined) message.ticket = ticket;
  if (message.type === 'subscribe' && eventKey?.startsWith(QR_SCENE_PREFIX)) {
    message.scene = eventKey.slice(QR_SCENE_PREFIX.length);
  }
  return message;
}

/** Parses a plaintext push (or the decrypted XML of a safe-mode push) into a typed message. */
export function parsePushXml(xml: string, options?: ParseXmlOptions): PushMessage {
  const raw = parseDocument(xml, options);
  const createTimeText = requiredText(raw, 'CreateTime');
  if (!UNIX_SECONDS.test(createTimeText)) throw malformed('CreateTime must be an integer');
  const base: PushBase = {
    toUserName: requiredText(raw, 'ToUserName'),
    fromUserName: requiredText(raw, 'FromUserName'),
    createTime: Number(createTimeText),
    msgType: requiredText(raw, 'MsgType'),
    raw,
  };
  if (base.msgType.toLowerCase() === 'event') return eventPush(base, raw);
  const msgId = nonEmpty(optionalText(raw, 'MsgId'));
  const { toUserName, fromUserName, createTime, msgType } = base;
  if (msgId === undefined)
    return { toUserName, fromUserName, createTime, msgType, raw, type: 'unknown' };
  const message: MessagePush = {
    toUserName,
    fromUserName,
    createTime,
    msgType,
    raw,
    type: 'message',
    msgId,
  };
  const content = optionalText(raw, 'Content');
  if (content !== undefined) message.content = content;
  return message;
}

/** Reads a safe-mode POST body: <xml><ToUserName/><Encrypt/></xml>. */
export function parseEncryptedEnvelope(xml: string, options?: ParseXmlOptions): EncryptedEnvelope {
  const fields = parseDocument(xml, options);
  const envelope: EncryptedEnvelope = { encrypt: requiredText(fields, 'Encrypt') };
  const toUserName = nonEmpty(optionalText(fields, 'ToUserName'));
  if (toUserName !== undefined) envelope.toUserName = toUserName;
  return envelope;
}
