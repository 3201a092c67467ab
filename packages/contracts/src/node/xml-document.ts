/**
 * One push body → the children of its <xml> root, as strings and records:
 * the size cap, the strict scan (xml-scan.ts), then fast-xml-parser with
 * every value kept as a string and only the predefined and numeric
 * references decoded. The typed view is event-xml.ts.
 */
import { XMLParser } from 'fast-xml-parser';
import { WechatXmlError } from './errors';
import { malformed, scanXmlMarkup } from './xml-scan';

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
export function parseDocument(xml: string, options: ParseXmlOptions | undefined): XmlRecord {
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
