/**
 * Verify-before-parse for safe-mode pushes: the one value msg_signature covers
 * (<Encrypt>) is taken out of the POST body by a small bounded reader that
 * never runs the XML parser, so an unauthenticated body costs about what a
 * genuine one does. Only after the signature matches is the ciphertext
 * decrypted and the inner XML parsed (parsePushXml).
 *
 * WeChat (消息加解密说明, developers.weixin.qq.com/doc/subscription/guide/dev/push/encryption):
 * "安全模式…公众平台发送消息体的内容只含有密文", the body being
 * `<xml><ToUserName><![CDATA[gh_…]]></ToUserName><Encrypt><![CDATA[…]]></Encrypt></xml>`;
 * "兼容模式…同时包括明文和密文": the plaintext fields sit next to <Encrypt>.
 *
 * Accepted shape (anything else is refused, never guessed at):
 * - optional `<?xml …?>` declaration, then the `<xml>` root (no attributes)
 *   and whitespace only around it;
 * - inside, elements without attributes (`<Name>…</Name>` or `<Name/>`),
 *   nested at most DEFAULT_MAX_XML_DEPTH levels, at most 64 in all, holding
 *   text (no '<') or CDATA sections, 256 markup items at most; no comment, processing instruction or
 *   declaration anywhere (a comment could hide a second <Encrypt>);
 * - exactly one <Encrypt>, a child of the root, whose content is one CDATA
 *   section or one text run of base64 characters, nothing else; the text
 *   "<Encrypt" appears nowhere else (not even inside another field's CDATA).
 * The work per body is bounded by those counts: long text and CDATA are
 * skipped with native searches, and the caps stop a body of thousands of
 * tags or sections after a few dozen of them.
 */
import { WechatXmlError } from './errors';
import { DEFAULT_MAX_XML_BYTES, DEFAULT_MAX_XML_DEPTH } from './xml-document';
import { malformed, skipSpace } from './xml-scan';

/** Largest number of elements (the root included) an envelope may hold. */
export const MAX_ENVELOPE_ELEMENTS = 64;
/**
 * Largest number of markup items (start tags, end tags, CDATA sections) the
 * reader visits before refusing the body: the bound on its work.
 */
export const MAX_ENVELOPE_STEPS = 4 * MAX_ENVELOPE_ELEMENTS;

const BASE64_TEXT = /^[A-Za-z0-9+/]+={0,2}$/;
const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const CDATA_OPEN = '<![CDATA[';
const CDATA_CLOSE = ']]>';

function tooLarge(maxBytes: number): WechatXmlError {
  return new WechatXmlError('XML_TOO_LARGE', `XML exceeds ${maxBytes} bytes`);
}

/** Counters of one extraction; `steps` is the number of markup items visited. */
export interface EnvelopeScanStats {
  steps: number;
}

/** Reader state: the cursor, the element count and, once found, the Encrypt value. */
class EnvelopeReader {
  private elements = 1;
  private steps = 0;
  encrypt: string | undefined;

  constructor(
    private readonly xml: string,
    private readonly stats: EnvelopeScanStats,
  ) {}

  /** Reads the whole body; throws unless it has the accepted shape. */
  read(): void {
    const { xml } = this;
    let at = skipSpace(xml, 0);
    if (xml.startsWith('<?xml', at)) {
      const end = xml.indexOf('?>', at);
      if (end === -1) throw malformed('unterminated XML declaration');
      at = skipSpace(xml, end + 2);
    }
    if (!xml.startsWith('<xml>', at)) throw malformed('the envelope must start with <xml>');
    at = this.content(at + 5, 'xml', 1);
    if (skipSpace(xml, at) !== xml.length) throw malformed('content after the envelope');
  }

  /** Reads the content of element `name` from `from`; returns the index after its end tag. */
  private content(from: number, name: string, depth: number): number {
    const { xml } = this;
    let at = from;
    for (;;) {
      this.steps += 1;
      this.stats.steps += 1;
      if (this.steps > MAX_ENVELOPE_STEPS) throw malformed('too many parts in envelope');
      const lt = xml.indexOf('<', at);
      if (lt === -1) throw malformed(`unclosed <${name}>`);
      if (xml.startsWith(CDATA_OPEN, lt)) {
        const end = xml.indexOf(CDATA_CLOSE, lt + CDATA_OPEN.length);
        if (end === -1) throw malformed('unterminated CDATA section');
        at = end + CDATA_CLOSE.length;
      } else if (xml.charCodeAt(lt + 1) === 0x2f /* '/' */) {
        const end = lt + 2 + name.length;
        if (!xml.startsWith(name, lt + 2) || xml.charCodeAt(end) !== 0x3e /* '>' */) {
          throw malformed('end tag does not match its start tag');
        }
        return end + 1;
      } else if (xml.charCodeAt(lt + 1) === 0x21 /* '!' */) {
        throw xml.startsWith('<!--', lt)
          ? malformed('comments are not accepted in an envelope')
          : new WechatXmlError('XML_ENTITY_FORBIDDEN', 'XML declarations are not accepted');
      } else {
        at = this.element(lt, depth + 1);
      }
    }
  }

  /** Reads the child element whose '<' is at `lt`; returns the index after it. */
  private element(lt: number, depth: number): number {
    const { xml } = this;
    this.elements += 1;
    if (this.elements > MAX_ENVELOPE_ELEMENTS) throw malformed('too many elements in envelope');
    if (depth > DEFAULT_MAX_XML_DEPTH) {
      throw new WechatXmlError('XML_TOO_DEEP', 'envelope nests too deep');
    }
    const gt = xml.indexOf('>', lt);
    if (gt === -1) throw malformed('unterminated start tag');
    const selfClosing = xml.charCodeAt(gt - 1) === 0x2f;
    const name = xml.slice(lt + 1, selfClosing ? gt - 1 : gt);
    if (!ELEMENT_NAME.test(name)) throw malformed('invalid element in envelope');
    if (name === 'Encrypt') {
      if (depth !== 2 || selfClosing) throw malformed('<Encrypt> must be a field of <xml>');
      return this.encryptField(gt + 1);
    }
    return selfClosing ? gt + 1 : this.content(gt + 1, name, depth);
  }

  /** Reads the value of <Encrypt> from `from`; returns the index after </Encrypt>. */
  private encryptField(from: number): number {
    const { xml } = this;
    if (this.encrypt !== undefined) throw malformed('more than one <Encrypt>');
    const cdata = xml.startsWith(CDATA_OPEN, from);
    const start = cdata ? from + CDATA_OPEN.length : from;
    const end = xml.indexOf(cdata ? `${CDATA_CLOSE}</Encrypt>` : '</Encrypt>', start);
    if (end === -1) throw malformed('<Encrypt> must hold one CDATA section or one text run');
    const value = xml.slice(start, end);
    if (!BASE64_TEXT.test(value)) throw malformed('<Encrypt> must hold base64 only');
    this.encrypt = value;
    return end + (cdata ? CDATA_CLOSE.length : 0) + '</Encrypt>'.length;
  }
}

/**
 * Extracts the <Encrypt> value of a safe-mode (or compat-mode) POST body
 * without parsing it as XML, for the msg_signature check that must come
 * before decryption and parsing. Throws XML_TOO_LARGE above `maxBytes`
 * (UTF-8 bytes, default 64 KiB; a body of more characters than that is
 * refused before anything else, one within it but of more bytes only after
 * its shape was read), XML_MISSING_FIELD without <Encrypt>,
 * XML_ENTITY_FORBIDDEN for a declaration, XML_TOO_DEEP, and XML_MALFORMED
 * for any other shape than the one described in this module's comment.
 * `stats`, when given, counts the markup items visited (tests bound it).
 */
export function extractEncryptField(
  xml: string,
  maxBytes: number = DEFAULT_MAX_XML_BYTES,
  stats: EnvelopeScanStats = { steps: 0 },
): string {
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError('maxBytes must be a positive integer');
  }
  if (typeof xml !== 'string') throw malformed('XML input must be a string');
  // The cheap bound first (a UTF-16 unit is at least one UTF-8 byte); the
  // exact one, a pass over the whole body, only once the shape is accepted.
  if (xml.length > maxBytes) throw tooLarge(maxBytes);
  const reader = new EnvelopeReader(xml, stats);
  reader.read();
  if (reader.encrypt === undefined) {
    throw new WechatXmlError('XML_MISSING_FIELD', 'Encrypt is missing');
  }
  // Text that merely looks like a second <Encrypt> (inside CDATA) is refused
  // too, so no reader of this body, however naive, can pick another value.
  const first = xml.indexOf('<Encrypt');
  if (xml.indexOf('<Encrypt', first + 1) !== -1) throw malformed('more than one <Encrypt>');
  if (Buffer.byteLength(xml, 'utf8') > maxBytes) throw tooLarge(maxBytes);
  return reader.encrypt;
}
