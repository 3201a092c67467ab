/**
 * The one strict pass over a push's markup before fast-xml-parser builds the
 * values. It replaces the former pre-scan and fast-xml-parser's validator
 * (two more passes) and accepts a subset of what they accepted together:
 *
 * - prolog and epilogue: whitespace, comments and processing instructions
 *   only (`<?xml …?>` only at the very start); one root element, named `xml`;
 * - any `<!` other than a comment or, inside the root, a CDATA section is a
 *   declaration (DOCTYPE, ENTITY, ELEMENT, …): XML_ENTITY_FORBIDDEN;
 * - element names ASCII (`[A-Za-z_:][A-Za-z0-9_.:-]*`), never `__proto__`,
 *   `constructor` or `prototype`; end tags match their start tags;
 * - attributes `name="value"` or `name='value'`, separated by whitespace,
 *   no duplicates, no `<` in a value (fast-xml-parser ignores them anyway);
 * - in text and attribute values, `&` only starts one of the five
 *   predefined or a numeric character reference, so nothing can expand;
 * - nesting bounded (XML_TOO_DEEP), the root counting as level 1.
 *
 * Every search moves forward (the next `&` is found once per run, not once
 * per text node), so the cost is linear in the input whatever its shape.
 */
import { WechatXmlError } from './errors';

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const HASH = 0x23;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const PREDEFINED_ENTITY = /^(?:lt|gt|amp|quot|apos)$/;

/** A WechatXmlError with code XML_MALFORMED (messages never echo the input). */
export function malformed(message: string): WechatXmlError {
  return new WechatXmlError('XML_MALFORMED', message);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

function isNameStart(code: number): boolean {
  // A-Z, a-z, '_', ':'
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f ||
    code === 0x3a
  );
}

function isNameChar(code: number): boolean {
  // name start, 0-9, '.', '-'
  return isNameStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2d;
}

function isDigit(code: number, hex: boolean): boolean {
  if (code >= 0x30 && code <= 0x39) return true;
  return hex && ((code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66));
}

/** Index just past the name starting at `from`, or `from` when there is none. */
function nameEnd(xml: string, from: number): number {
  if (!isNameStart(xml.charCodeAt(from))) return from;
  let i = from + 1;
  while (isNameChar(xml.charCodeAt(i))) i++;
  return i;
}

/** Index of the first non-whitespace character at or after `from`. */
export function skipSpace(xml: string, from: number): number {
  let i = from;
  while (isSpace(xml.charCodeAt(i))) i++;
  return i;
}

/** Index just past `terminator`, searched from `from`, or XML_MALFORMED naming `what`. */
function indexAfter(xml: string, from: number, terminator: string, what: string): number {
  const at = xml.indexOf(terminator, from);
  if (at === -1) throw malformed(`unterminated ${what}`);
  return at + terminator.length;
}

/** Index just past the character reference whose '&' is at `amp`, or XML_MALFORMED. */
function referenceEnd(xml: string, amp: number, limit: number): number {
  const semicolon = xml.indexOf(';', amp + 1);
  // Longest accepted reference: "&#x" + 6 hex digits + ";" (11 characters).
  if (semicolon !== -1 && semicolon < limit && semicolon - amp <= 10) {
    if (xml.charCodeAt(amp + 1) !== HASH) {
      if (PREDEFINED_ENTITY.test(xml.slice(amp + 1, semicolon))) return semicolon + 1;
    } else {
      const hex = xml.charCodeAt(amp + 2) === 0x78; // 'x'
      const first = amp + (hex ? 3 : 2);
      let i = first;
      while (i < semicolon && isDigit(xml.charCodeAt(i), hex)) i++;
      const digits = semicolon - first;
      if (i === semicolon && digits >= 1 && digits <= (hex ? 6 : 7)) return semicolon + 1;
    }
  }
  throw malformed('undefined entity or stray "&" in text');
}

/** The scanner's state: a cursor, the open elements and the cached next '&'. */
class Scan {
  private readonly open: string[] = [];
  private root = '';
  private rootClosed = false;
  private nextAmp = -1;

  constructor(
    private readonly xml: string,
    private readonly maxDepth: number,
  ) {}

  run(): void {
    const { xml } = this;
    let i = 0;
    while (i < xml.length) {
      const lt = xml.indexOf('<', i);
      const end = lt === -1 ? xml.length : lt;
      if (end > i) this.text(i, end);
      if (lt === -1) break;
      i = this.markup(lt);
    }
    if (this.root === '' || this.open.length > 0) throw malformed('unclosed or missing root');
    if (this.root !== 'xml') throw malformed('the document element must be <xml>');
  }

  /** Text from `from` to `to`: references checked inside the root, only whitespace outside it. */
  private text(from: number, to: number): void {
    const { xml } = this;
    if (this.open.length === 0) {
      for (let i = from; i < to; i++) {
        if (!isSpace(xml.charCodeAt(i))) throw malformed('text outside the root element');
      }
      return;
    }
    this.references(from, to);
  }

  private references(from: number, to: number): void {
    let at = from;
    for (;;) {
      if (this.nextAmp < at) {
        this.nextAmp = this.xml.indexOf('&', at);
        if (this.nextAmp === -1) this.nextAmp = Number.MAX_SAFE_INTEGER;
      }
      if (this.nextAmp >= to) return;
      at = referenceEnd(this.xml, this.nextAmp, to);
    }
  }

  /** Consumes the markup starting with the '<' at `lt`; returns the index after it. */
  private markup(lt: number): number {
    const { xml } = this;
    const c1 = xml.charCodeAt(lt + 1);
    if (c1 === BANG) {
      if (xml.startsWith('<!--', lt)) return indexAfter(xml, lt + 4, '-->', 'comment');
      if (xml.startsWith('<![CDATA[', lt) && this.open.length > 0) {
        return indexAfter(xml, lt + 9, ']]>', 'CDATA section');
      }
      if (xml.startsWith('<![CDATA[', lt)) throw malformed('CDATA outside the root element');
      throw new WechatXmlError(
        'XML_ENTITY_FORBIDDEN',
        'XML declarations (DOCTYPE/ENTITY) are not accepted',
      );
    }
    if (c1 === QUESTION) return this.processingInstruction(lt);
    if (c1 === SLASH) return this.endTag(lt);
    return this.startTag(lt);
  }

  private processingInstruction(lt: number): number {
    const { xml } = this;
    const end = nameEnd(xml, lt + 2);
    const target = xml.slice(lt + 2, end).toLowerCase();
    const declaration = target === 'xml' && lt === 0;
    if (end === lt + 2 || (target === 'xml' && !declaration)) {
      throw malformed('invalid processing instruction');
    }
    return indexAfter(xml, end, '?>', 'processing instruction');
  }

  private endTag(lt: number): number {
    const { xml } = this;
    const end = nameEnd(xml, lt + 2);
    const close = skipSpace(xml, end);
    if (xml.charCodeAt(close) !== GT) throw malformed('unterminated or invalid end tag');
    const expected = this.open.pop();
    if (expected === undefined || xml.slice(lt + 2, end) !== expected) {
      throw malformed('end tag does not match its start tag');
    }
    if (this.open.length === 0) this.rootClosed = true;
    return close + 1;
  }

  private startTag(lt: number): number {
    const { xml } = this;
    const end = nameEnd(xml, lt + 1);
    if (end === lt + 1) throw malformed('invalid start tag');
    const name = xml.slice(lt + 1, end);
    if (RESERVED_NAMES.has(name)) throw malformed('reserved element name');
    const close = this.attributes(end);
    const selfClosing = xml.charCodeAt(close) === SLASH;
    if (this.rootClosed) throw malformed('more than one root element');
    if (this.open.length === 0) this.root = name;
    if (selfClosing) {
      if (this.open.length === 0) this.rootClosed = true;
      return close + 2;
    }
    this.open.push(name);
    if (this.open.length > this.maxDepth) {
      throw new WechatXmlError('XML_TOO_DEEP', `XML nests deeper than ${this.maxDepth} levels`);
    }
    return close + 1;
  }

  /** Reads the attributes after a tag name; returns the index of the closing '>' or '/>'. */
  private attributes(from: number): number {
    const { xml } = this;
    // Pushes carry no attributes; a Set keeps the duplicate check linear when a body is full of them.
    let names: Set<string> | undefined;
    let i = from;
    for (;;) {
      const next = skipSpace(xml, i);
      const code = xml.charCodeAt(next);
      if (code === GT) return next;
      if (code === SLASH && xml.charCodeAt(next + 1) === GT) return next;
      const end = nameEnd(xml, next);
      if (next === i || end === next) throw malformed('invalid or unterminated start tag');
      const name = xml.slice(next, end);
      names ??= new Set();
      if (names.has(name)) throw malformed('repeated attribute');
      names.add(name);
      i = this.attributeValue(skipSpace(xml, end));
    }
  }

  /** Reads `= "value"` at `at`; returns the index after the closing quote. */
  private attributeValue(at: number): number {
    const { xml } = this;
    if (xml.charCodeAt(at) !== EQUALS) throw malformed('attribute without a value');
    const open = skipSpace(xml, at + 1);
    const quote = xml.charCodeAt(open);
    if (quote !== QUOTE && quote !== APOSTROPHE) throw malformed('unquoted attribute value');
    const close = xml.indexOf(quote === QUOTE ? '"' : "'", open + 1);
    if (close === -1) throw malformed('unterminated attribute value');
    for (let i = open + 1; i < close; i++) {
      if (xml.charCodeAt(i) === 0x3c) throw malformed('"<" in an attribute value');
    }
    this.references(open + 1, close);
    return close + 1;
  }
}

/**
 * Checks a push's markup in one linear pass (see the module comment for what
 * is accepted); throws XML_ENTITY_FORBIDDEN, XML_TOO_DEEP or XML_MALFORMED.
 * `maxDepth` counts open elements, the root being level 1.
 */
export function scanXmlMarkup(xml: string, maxDepth: number): void {
  new Scan(xml, maxDepth).run();
}
