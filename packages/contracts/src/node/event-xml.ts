/**
 * Official-account push XML: hardened parsing into a typed union, the
 * safe-mode envelope, and reply building.
 *
 * Parsing order, each step with its own typed error:
 * 1. size cap on the UTF-8 bytes (XML_TOO_LARGE), before any scanning;
 * 2. a linear pre-scan of the markup that rejects any declaration
 *    (<!DOCTYPE, <!ENTITY, …: XML_ENTITY_FORBIDDEN), bounds element nesting
 *    (XML_TOO_DEEP) and allows only the five predefined and numeric
 *    character references in text (XML_MALFORMED), so nothing can expand;
 * 3. well-formedness (fast-xml-parser's validator) and parsing with every
 *    value kept as a string, so a 19-digit MsgId is never rounded;
 * 4. the typed view, with CreateTime as an integer (XML_MISSING_FIELD /
 *    XML_MALFORMED when a field is absent or has the wrong shape).
 *
 * Formats: 接收事件推送 (subscribe / unsubscribe / SCAN, EventKey "qrscene_…"),
 * 接收普通消息 (MsgId), 消息加解密 (<Encrypt> envelope and encrypted reply).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { WechatXmlError } from './errors';

export const DEFAULT_MAX_XML_BYTES = 64 * 1024;
/** WeChat's deepest push (xml > SendPicsInfo > PicList > item > PicMd5Sum) is 5 levels. */
export const DEFAULT_MAX_XML_DEPTH = 8;

export interface ParseXmlOptions {
  /** Largest accepted input in UTF-8 bytes; default 64 KiB. */
  maxBytes?: number;
  /** Deepest accepted element nesting, the root counting as 1; default 8. */
  maxDepth?: number;
}

export type XmlValue = string | XmlRecord | readonly XmlValue[];
/** Element children by tag name; a repeated tag becomes an array. Null-prototype. */
export interface XmlRecord {
  readonly [tag: string]: XmlValue;
}

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

export interface SubscribePush extends PushBase {
  type: 'subscribe';
  event: string;
  eventKey?: string;
  ticket?: string;
  /** The QR scene: EventKey without its "qrscene_" prefix, when it has one. */
  scene?: string;
}

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

export type PushMessage = SubscribePush | UnsubscribePush | ScanPush | MessagePush | UnknownPush;

export interface EncryptedEnvelope {
  toUserName?: string;
  encrypt: string;
}

// ---------------------------------------------------------------- parsing

const DECLARATION_MESSAGE = 'XML declarations (DOCTYPE/ENTITY) are not accepted';
// In text, '&' must start one of the predefined or a numeric character reference.
const BAD_REFERENCE = /&(?!(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)/;

function malformed(message: string): WechatXmlError {
  return new WechatXmlError('XML_MALFORMED', message);
}

function indexAfter(xml: string, from: number, terminator: string, what: string): number {
  const at = xml.indexOf(terminator, from);
  if (at === -1) throw malformed(`unterminated ${what}`);
  return at + terminator.length;
}

/** Index just past the '>' closing a start tag, skipping quoted attribute values. */
function startTagEnd(xml: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < xml.length; i++) {
    const ch = xml[i];
    if (quote !== null) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '>') {
      return i + 1;
    }
  }
  throw malformed('unterminated start tag');
}

/**
 * One linear pass over the markup (comments, CDATA and processing
 * instructions skipped as opaque), before the parser sees the input.
 */
function prescan(xml: string, maxDepth: number): void {
  let depth = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    if (BAD_REFERENCE.test(text)) throw malformed('undefined entity or stray "&" in text');
    if (lt === -1) return;
    if (xml.startsWith('<!--', lt)) {
      i = indexAfter(xml, lt + 4, '-->', 'comment');
    } else if (xml.startsWith('<![CDATA[', lt)) {
      i = indexAfter(xml, lt + 9, ']]>', 'CDATA section');
    } else if (xml.startsWith('<!', lt)) {
      throw new WechatXmlError('XML_ENTITY_FORBIDDEN', DECLARATION_MESSAGE);
    } else if (xml.startsWith('<?', lt)) {
      i = indexAfter(xml, lt + 2, '?>', 'processing instruction');
    } else if (xml.startsWith('</', lt)) {
      depth -= 1;
      i = indexAfter(xml, lt + 2, '>', 'end tag');
    } else {
      i = startTagEnd(xml, lt + 1);
      if (xml[i - 2] !== '/') {
        depth += 1;
        if (depth > maxDepth) {
          throw new WechatXmlError('XML_TOO_DEEP', `XML nests deeper than ${maxDepth} levels`);
        }
      }
    }
  }
}

function limits(options: ParseXmlOptions | undefined): { maxBytes: number; maxDepth: number } {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_XML_DEPTH;
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || !Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new RangeError('maxBytes and maxDepth must be positive integers');
  }
  return { maxBytes, maxDepth };
}

const PREDEFINED: Readonly<Record<string, string>> = {
  amp: '&',
  apos: "'",
  gt: '>',
  lt: '<',
  quot: '"',
};
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/g;

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function decodeReferences(text: string): string {
  return text.replace(
    REFERENCE,
    (_match, name: string | undefined, decimal: string | undefined, hex: string | undefined) => {
      if (name !== undefined) return PREDEFINED[name] as string;
      const cp =
        decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex as string, 16);
      // A reference to a character XML cannot carry (e.g. &#0;) becomes U+FFFD.
      return isXmlChar(cp) ? String.fromCodePoint(cp) : '\uFFFD';
    },
  );
}

const ignore = (): void => undefined;

/**
 * The parser's entity decoder, replaced so that only the five predefined
 * entities and numeric references are ever decoded: entities declared in a
 * DTD are dropped on the floor even if one slipped past prescan.
 */
const REFERENCE_DECODER = {
  setExternalEntities: ignore,
  addInputEntities: ignore,
  reset: ignore,
  setXmlVersion: ignore,
  decode: decodeReferences,
};

function makeParser(maxDepth: number): XMLParser {
  return new XMLParser({
    ignoreAttributes: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    // Every value stays a string: ids are 64-bit, numbers are converted per field.
    parseTagValue: false,
    parseAttributeValue: false,
    // Trims whitespace-only text between elements; CDATA content is kept verbatim.
    trimValues: true,
    entityDecoder: REFERENCE_DECODER,
    // Defence in depth behind prescan's depth bound.
    maxNestedTags: maxDepth,
  });
}

function toXmlValue(value: unknown): XmlValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(toXmlValue);
  // The parser yields only strings, arrays and plain objects.
  const record: Record<string, XmlValue> = Object.create(null) as Record<string, XmlValue>;
  for (const [key, child] of Object.entries(value as object)) record[key] = toXmlValue(child);
  return record;
}

/** Parses a WeChat XML document and returns the children of its <xml> root. */
function parseDocument(xml: string, options: ParseXmlOptions | undefined): XmlRecord {
  const { maxBytes, maxDepth } = limits(options);
  if (typeof xml !== 'string') throw malformed('XML input must be a string');
  // Cheap bound first (a UTF-16 unit is at least one UTF-8 byte), then the exact one.
  if (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes) {
    throw new WechatXmlError('XML_TOO_LARGE', `XML exceeds ${maxBytes} bytes`);
  }
  prescan(xml, maxDepth);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    // The validator's own message can quote arbitrary input; keep only its code and line.
    throw malformed(`XML is not well-formed (${valid.err.code} at line ${valid.err.line})`);
  }
  let document: unknown;
  try {
    document = makeParser(maxDepth).parse(xml);
  } catch {
    // e.g. a tag named __proto__ or constructor, refused by the parser.
    throw malformed('XML could not be parsed');
  }
  const top = toXmlValue(document) as XmlRecord;
  const names = Object.keys(top);
  const root = top['xml'];
  if (names.length !== 1 || root === undefined) {
    throw malformed('the document element must be <xml>');
  }
  // A text-only root has no fields; repeated roots never get here (the validator refuses them).
  if (typeof root === 'string') return Object.create(null) as XmlRecord;
  return root as XmlRecord;
}

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

/** Parses a plaintext push (or the decrypted XML of a safe-mode push) into a typed message. */
export function parsePushXml(xml: string, options?: ParseXmlOptions): PushMessage {
  const raw = parseDocument(xml, options);
  const createTimeText = requiredText(raw, 'CreateTime');
  if (!UNIX_SECONDS.test(createTimeText)) throw malformed('CreateTime must be an integer');
  const base = {
    toUserName: requiredText(raw, 'ToUserName'),
    fromUserName: requiredText(raw, 'FromUserName'),
    createTime: Number(createTimeText),
    msgType: requiredText(raw, 'MsgType'),
    raw,
  };

  if (base.msgType.toLowerCase() === 'event') {
    const event = requiredText(raw, 'Event');
    const eventKey = nonEmpty(optionalText(raw, 'EventKey'));
    const ticket = nonEmpty(optionalText(raw, 'Ticket'));
    // The QR fields subscribe and SCAN share, each only when present.
    const qr: Pick<ScanPush, 'eventKey' | 'ticket'> = {};
    if (eventKey !== undefined) qr.eventKey = eventKey;
    if (ticket !== undefined) qr.ticket = ticket;
    switch (event.toLowerCase()) {
      case 'subscribe': {
        const message: SubscribePush = { ...base, type: 'subscribe', event, ...qr };
        if (eventKey?.startsWith(QR_SCENE_PREFIX)) {
          message.scene = eventKey.slice(QR_SCENE_PREFIX.length);
        }
        return message;
      }
      case 'unsubscribe':
        return { ...base, type: 'unsubscribe', event };
      case 'scan':
        return { ...base, type: 'scan', event, ...qr };
      default:
        return { ...base, type: 'unknown', event };
    }
  }

  const msgId = nonEmpty(optionalText(raw, 'MsgId'));
  if (msgId === undefined) return { ...base, type: 'unknown' };
  const message: MessagePush = { ...base, type: 'message', msgId };
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

// ---------------------------------------------------------------- building

export type ReplyScalar = string | number;
export type ReplyValue = ReplyScalar | ReplyFields | readonly (ReplyScalar | ReplyFields)[];
/** Reply fields by tag name. Strings become CDATA, numbers plain text; an array repeats the tag. */
export interface ReplyFields {
  readonly [tag: string]: ReplyValue;
}

const TAG_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// Characters XML 1.0 cannot carry at all, not even in CDATA (controls, lone surrogates, U+FFFE/F).
const NON_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function cdata(text: string): string {
  // "]]>" would close the section early: end the section between "]]" and ">".
  const safe = text.replace(NON_XML_CHARS, '\uFFFD').split(']]>').join(']]]]><![CDATA[>');
  return `<![CDATA[${safe}]]>`;
}

function scalar(value: ReplyScalar): string {
  if (typeof value === 'string') return cdata(value);
  if (!Number.isFinite(value)) throw new RangeError('reply numbers must be finite');
  return String(value);
}

function element(tag: string, value: ReplyScalar | ReplyFields): string {
  const body = typeof value === 'object' ? children(value) : scalar(value);
  return `<${tag}>${body}</${tag}>`;
}

function children(fields: ReplyFields): string {
  let out = '';
  for (const [tag, value] of Object.entries(fields)) {
    if (!TAG_NAME.test(tag)) throw new RangeError(`invalid XML tag name: ${JSON.stringify(tag)}`);
    const items = Array.isArray(value)
      ? (value as readonly (ReplyScalar | ReplyFields)[])
      : [value];
    for (const item of items) out += element(tag, item as ReplyScalar | ReplyFields);
  }
  return out;
}

/**
 * Builds a passive reply (or a push, for the sandbox):
 * buildReplyXml({ ToUserName: openid, FromUserName: gh, CreateTime: 1700000000, MsgType: 'text', Content: 'hi' }).
 */
export function buildReplyXml(fields: ReplyFields): string {
  return `<xml>${children(fields)}</xml>`;
}

export interface EncryptedReplyInput {
  encrypt: string;
  msgSignature: string;
  timestamp: string | number;
  nonce: string;
}

/** The safe-mode reply envelope: Encrypt, MsgSignature, TimeStamp, Nonce. */
export function buildEncryptedReplyXml(input: EncryptedReplyInput): string {
  const timestamp = typeof input.timestamp === 'number' ? input.timestamp : Number(input.timestamp);
  if (
    !Number.isSafeInteger(timestamp) ||
    timestamp < 0 ||
    String(timestamp) !== String(input.timestamp)
  ) {
    throw new RangeError('timestamp must be a non-negative integer');
  }
  return buildReplyXml({
    Encrypt: input.encrypt,
    MsgSignature: input.msgSignature,
    TimeStamp: timestamp,
    Nonce: input.nonce,
  });
}
