import fc from 'fast-check';
import {
  DEFAULT_MAX_XML_BYTES,
  extractEncryptField,
  MAX_ENVELOPE_ELEMENTS,
  MAX_ENVELOPE_STEPS,
  parseEncryptedEnvelope,
  type EnvelopeScanStats,
} from '../../src/node';
import { xmlCode } from './helpers';
import { MSG_CRYPT_SAMPLE as M } from './vectors';

const envelope = (encrypt: string, to = 'gh_680bdefc8c5d'): string =>
  `<xml><ToUserName><![CDATA[${to}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;

/** Runs the extraction and returns how many markup items it visited, whatever the outcome. */
function steps(xml: string): number {
  const stats: EnvelopeScanStats = { steps: 0 };
  try {
    extractEncryptField(xml, DEFAULT_MAX_XML_BYTES, stats);
  } catch {
    // refused: the count up to the refusal is what is measured
  }
  return stats.steps;
}

describe('extractEncryptField: the shapes WeChat sends (消息加解密说明)', () => {
  it('reads the safe-mode envelope, CDATA or plain text, pretty-printed or not', () => {
    expect(extractEncryptField(envelope(M.encrypt))).toBe(M.encrypt);
    expect(extractEncryptField(`<xml><Encrypt>${M.encrypt}</Encrypt></xml>`)).toBe(M.encrypt);
    const pretty = `<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <ToUserName><![CDATA[gh]]></ToUserName>\n  <Encrypt><![CDATA[${M.encrypt}]]></Encrypt>\n</xml>\n`;
    expect(extractEncryptField(pretty)).toBe(M.encrypt);
  });

  it('reads the compat-mode body (plaintext fields, nested ones included, next to Encrypt)', () => {
    const compat =
      `<xml><ToUserName><![CDATA[${M.toUserName}]]></ToUserName><FromUserName><![CDATA[${M.fromUserName}]]></FromUserName>` +
      `<CreateTime>${M.createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_sysphoto]]></Event>` +
      `<SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList></SendPicsInfo>` +
      `<Content>a &amp; b &gt; c</Content><Empty/><Encrypt><![CDATA[${M.encrypt}]]></Encrypt></xml>`;
    expect(extractEncryptField(compat)).toBe(M.encrypt);
  });

  it('agrees with parseEncryptedEnvelope on every envelope it accepts', () => {
    fc.assert(
      fc.property(
        fc.base64String({ minLength: 4, maxLength: 400 }),
        fc.stringMatching(/^[A-Za-z0-9_]{1,20}$/),
        fc.constantFrom('', ' ', '\n', '\r\n  '),
        (encrypt, to, ws) => {
          const xml = `<xml>${ws}<ToUserName><![CDATA[${to}]]></ToUserName>${ws}<Encrypt><![CDATA[${encrypt}]]></Encrypt>${ws}</xml>${ws}`;
          expect(extractEncryptField(xml)).toBe(parseEncryptedEnvelope(xml).encrypt);
        },
      ),
    );
  });
});

describe('extractEncryptField: ambiguity and other shapes are refused', () => {
  it.each([
    ['two Encrypt elements', `<xml><Encrypt>QUFB</Encrypt><Encrypt>QkJC</Encrypt></xml>`],
    [
      'Encrypt inside a comment',
      `<xml><!-- <Encrypt>QkJC</Encrypt> --><Encrypt>QUFB</Encrypt></xml>`,
    ],
    [
      'Encrypt inside the CDATA of another element',
      `<xml><Content><![CDATA[<Encrypt>QkJC</Encrypt>]]></Content><Encrypt>QUFB</Encrypt></xml>`,
    ],
    ['Encrypt nested in another element', `<xml><A><Encrypt>QUFB</Encrypt></A></xml>`],
    ['a self-closing Encrypt', `<xml><Encrypt/></xml>`],
    ['Encrypt with attributes', `<xml><Encrypt a="1">QUFB</Encrypt></xml>`],
    ['two CDATA sections in Encrypt', `<xml><Encrypt><![CDATA[QU]]><![CDATA[FB]]></Encrypt></xml>`],
    ['text around the CDATA of Encrypt', `<xml><Encrypt> <![CDATA[QUFB]]></Encrypt></xml>`],
    ['whitespace inside Encrypt', `<xml><Encrypt> QUFB </Encrypt></xml>`],
    ['a character reference in Encrypt', `<xml><Encrypt>QUFB&#65;</Encrypt></xml>`],
    ['non-base64 in Encrypt', `<xml><Encrypt>QU!B</Encrypt></xml>`],
    ['a processing instruction', `<xml><?pi x?><Encrypt>QUFB</Encrypt></xml>`],
    ['another root', `<root><Encrypt>QUFB</Encrypt></root>`],
    ['attributes on the root', `<xml a="1"><Encrypt>QUFB</Encrypt></xml>`],
    ['content after the root', `<xml><Encrypt>QUFB</Encrypt></xml><xml/>`],
    ['an unclosed root', `<xml><Encrypt>QUFB</Encrypt>`],
    ['mismatched tags', `<xml><A></B><Encrypt>QUFB</Encrypt></xml>`],
    ['an unterminated CDATA section', `<xml><A><![CDATA[x</A><Encrypt>QUFB</Encrypt></xml>`],
    ['an unterminated start tag', `<xml><A`],
    ['an unterminated declaration', `<?xml version="1.0"<xml><Encrypt>QUFB</Encrypt></xml>`],
    ['an unterminated Encrypt', `<xml><Encrypt>QUFB</xml>`],
    ['an invalid element name', `<xml><1a>x</1a><Encrypt>QUFB</Encrypt></xml>`],
    ['JSON', '{"Encrypt":"QUFB"}'],
    ['a non-string body', 42],
  ])('%s → XML_MALFORMED', (_name, xml) => {
    expect(xmlCode(() => extractEncryptField(xml as string))).toBe('XML_MALFORMED');
  });

  it('answers a missing Encrypt, declarations, depth and size with their own codes', () => {
    expect(xmlCode(() => extractEncryptField('<xml><ToUserName>gh</ToUserName></xml>'))).toBe(
      'XML_MISSING_FIELD',
    );
    expect(xmlCode(() => extractEncryptField(`<!DOCTYPE x>${envelope('QUFB')}`))).toBe(
      'XML_MALFORMED',
    );
    expect(
      xmlCode(() => extractEncryptField(`<xml><!DOCTYPE x><Encrypt>QUFB</Encrypt></xml>`)),
    ).toBe('XML_ENTITY_FORBIDDEN');
    // The root is level 1: eight more levels are one too many.
    const deep = `<xml>${'<a>'.repeat(8)}x${'</a>'.repeat(8)}<Encrypt>QUFB</Encrypt></xml>`;
    expect(xmlCode(() => extractEncryptField(deep))).toBe('XML_TOO_DEEP');
    expect(extractEncryptField(deep.replace('<a>', '').replace('</a>', ''))).toBe('QUFB');
    expect(xmlCode(() => extractEncryptField(envelope('QUFB'), 50))).toBe('XML_TOO_LARGE');
    // Within the character bound but over it in UTF-8 bytes (3 per CJK character).
    const cjk = `<xml><C>${'你'.repeat(30_000)}</C><Encrypt>QUFB</Encrypt></xml>`;
    expect(xmlCode(() => extractEncryptField(cjk))).toBe('XML_TOO_LARGE');
    expect(() => extractEncryptField(envelope('QUFB'), 0)).toThrow(RangeError);
  });

  it('accepts at most MAX_ENVELOPE_ELEMENTS elements, the root included', () => {
    const body = (n: number): string => `<xml>${'<a/>'.repeat(n)}<Encrypt>QUFB</Encrypt></xml>`;
    // body(n) holds n + 2 elements: the root, n <a/> and Encrypt.
    expect(extractEncryptField(body(MAX_ENVELOPE_ELEMENTS - 2))).toBe('QUFB');
    expect(xmlCode(() => extractEncryptField(body(MAX_ENVELOPE_ELEMENTS - 1)))).toBe(
      'XML_MALFORMED',
    );
  });
});

describe('extractEncryptField: bounded work before the signature check', () => {
  const fill = (unit: string, tail = ''): string =>
    unit.repeat(Math.floor((64 * 1024 - 20) / unit.length)) + tail;
  const normal = steps(envelope(M.encrypt));

  it.each([
    ['64 KiB of <a/>', `<xml>${fill('<a/>')}</xml>`],
    ['64 KiB of nested <a>', `<xml>${fill('<a>')}`],
    ['64 KiB of <a></a>', `<xml>${fill('<a></a>')}</xml>`],
    ['64 KiB of CDATA sections', `<xml><A>${fill('<![CDATA[x]]>')}</A></xml>`],
    ['64 KiB of comments', `<xml>${fill('<!---->')}</xml>`],
  ])('%s is refused after a bounded number of steps', (_name, xml) => {
    expect(Buffer.byteLength(xml)).toBeGreaterThan(60_000);
    expect(xmlCode(() => extractEncryptField(xml))).not.toBe('XML_TOO_LARGE');
    // A genuine envelope takes a handful of steps; no body takes more than
    // the element cap allows, whatever its size.
    expect(normal).toBeLessThan(10);
    expect(steps(xml)).toBeLessThanOrEqual(MAX_ENVELOPE_STEPS + 1);
  });

  it('a large genuine field is skipped in one step, not character by character', () => {
    const big = `<xml><Content><![CDATA[${'x'.repeat(60_000)}]]></Content><Encrypt>QUFB</Encrypt></xml>`;
    expect(extractEncryptField(big)).toBe('QUFB');
    expect(steps(big)).toBeLessThan(10);
  });
});
