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
import { XMLParser } from 'fast-xml-parser';
import { WechatXmlError } from './errors';
import { scanXmlMarkup } from './xml-scan';

/** Default cap on a push body, in UTF-8 bytes. */
export const DEFAULT_MAX_XML_BYTES = 64 * 1024;
/** WeChat's deepest push (xml > SendPicsInfo > PicList > item > PicMd5Sum) is 5 levels. */
export const DEFAULT_MAX_XML_DEPTH = 8;

/** Limits of one parse; both default to the constants above. */
export interface ParseXmlOptions {
  /** Largest accepted input in UTF-8 bytes; default 64 KiB. */
  maxBytes?: number;
  /** Deepest accepted element nesting, the root counting as 1; default 8. */
  maxDepth?: number;
}

/** A parsed element: its text, its children, or the repetitions of a repeated tag. */
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

function malformed(message: string): WechatXmlError {
  return new WechatXmlError('XML_MALFORMED', message);
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

function decodeReference(
  _match: string,
  name: string | undefined,
  decimal: string | undefined,
  hex: string | undefined,
): string {
  if (name !== undefined) return PREDEFINED[name] as string;
  const cp =
    decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex as string, 16);
  // A reference to a character XML cannot carry (e.g. &#0;) becomes U+FFFD.
  return isXmlChar(cp) ? String.fromCodePoint(cp) : '\uFFFD';
}

function decodeReferences(text: string): string {
  // Most values carry no reference at all: skip the regex machinery for them.
  return text.includes('&') ? text.replace(REFERENCE, decodeReference) : text;
}

const ignore = (): void => undefined;

/**
 * The parser's entity decoder, replaced so that only the five predefined
 * entities and numeric references are ever decoded (the scan has already
 * refused declarations and every other reference).
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
    // Document order, converted below: skips the parser's own object building
    // and its per-tag path strings (jPath), which cost more than the parse.
    preserveOrder: true,
    jPath: false,
    // Defence in depth behind the scan's depth bound.
    maxNestedTags: maxDepth,
  });
}

// The parser is stateless between documents, so one per depth limit is kept.
const parsers = new Map<number, XMLParser>();

function parserFor(maxDepth: number): XMLParser {
  let parser = parsers.get(maxDepth);
  if (parser === undefined) {
    parser = makeParser(maxDepth);
    if (parsers.size < 8) parsers.set(maxDepth, parser);
  }
  return parser;
}

/** One node of fast-xml-parser's ordered output: `{ tag: children }` or `{ '#text': text }`. */
type OrderedNode = Readonly<Record<string, unknown>>;

const TEXT = '#text';

/**
 * An element's children in ordered form → its value, as fast-xml-parser's
 * default output shapes it: text only → the text (concatenated), nothing →
 * '', elements → a null-prototype record (a repeated tag becomes an array,
 * text next to elements stays under '#text').
 */
function toXmlValue(nodes: readonly OrderedNode[]): XmlValue {
  let text: string | undefined;
  let record: Record<string, XmlValue> | undefined;
  for (const node of nodes) {
    const tag = Object.keys(node)[0] as string;
    if (tag === TEXT) {
      text = text === undefined ? (node[TEXT] as string) : text + (node[TEXT] as string);
      continue;
    }
    record ??= Object.create(null) as Record<string, XmlValue>;
    const value = toXmlValue(node[tag] as OrderedNode[]);
    const prior = record[tag];
    if (prior === undefined) record[tag] = value;
    else if (Array.isArray(prior)) (prior as XmlValue[]).push(value);
    else record[tag] = [prior, value];
  }
  if (record === undefined) return text ?? '';
  if (text !== undefined && text !== '') record[TEXT] = text;
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
  scanXmlMarkup(xml, maxDepth);
  // The scan proved one well-formed <xml> root with nothing but comments and
  // processing instructions (dropped by the parser) around it.
  const document = parserFor(maxDepth).parse(xml) as OrderedNode[];
  const root = document.find((node) => Object.keys(node)[0] === 'xml') as OrderedNode;
  const fields = toXmlValue(root['xml'] as OrderedNode[]);
  // A text-only or empty root has no fields.
  return typeof fields === 'string' ? (Object.create(null) as XmlRecord) : (fields as XmlRecord);
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

/** The typed view of an event push (MsgType "event"), from its fields. */
function eventPush(base: PushBase, raw: XmlRecord): PushMessage {
  const event = requiredText(raw, 'Event');
  const kind = event.toLowerCase();
  if (kind === 'unsubscribe') return { ...base, type: 'unsubscribe', event };
  if (kind !== 'subscribe' && kind !== 'scan') return { ...base, type: 'unknown', event };
  // The QR fields subscribe and SCAN share, each only when present.
  const message: SubscribePush | ScanPush = {
    ...base,
    type: kind === 'scan' ? 'scan' : 'subscribe',
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
