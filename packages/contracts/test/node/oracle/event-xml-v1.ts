/**
 * The oracle for the differential tests: the push parser as it was before
 * the single-pass rewrite (pre-scan, fast-xml-parser's validator, then its
 * parser), copied verbatim except for the import paths and the types, which
 * come from the product module. Never used by the product.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { WechatXmlError } from '../../../src/node/errors';
import type {
  EncryptedEnvelope,
  MessagePush,
  ParseXmlOptions,
  PushMessage,
  ScanPush,
  SubscribePush,
  XmlRecord,
  XmlValue,
} from '../../../src/node/event-xml';
const DEFAULT_MAX_XML_BYTES = 64 * 1024;
const DEFAULT_MAX_XML_DEPTH = 8;
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
export function oldParsePushXml(xml: string, options?: ParseXmlOptions): PushMessage {
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
export function oldParseEncryptedEnvelope(
  xml: string,
  options?: ParseXmlOptions,
): EncryptedEnvelope {
  const fields = parseDocument(xml, options);
  const envelope: EncryptedEnvelope = { encrypt: requiredText(fields, 'Encrypt') };
  const toUserName = nonEmpty(optionalText(fields, 'ToUserName'));
  if (toUserName !== undefined) envelope.toUserName = toUserName;
  return envelope;
}
