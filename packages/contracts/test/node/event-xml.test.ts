import fc from 'fast-check';
import {
  buildEncryptedReplyXml,
  buildReplyXml,
  DEFAULT_MAX_XML_BYTES,
  parseEncryptedEnvelope,
  parsePushXml,
  WechatXmlError,
} from '../../src/node';
import { xmlCode } from './helpers';
import { FORBIDDEN_CORPUS, head, MALFORMED_CORPUS, MARKUP_FRAGMENTS, wrap } from './hostile-corpus';
import { MSG_CRYPT_SAMPLE as M } from './vectors';

const event = (name: string, extra = ''): string =>
  wrap(`${head()}<Event><![CDATA[${name}]]></Event>${extra}`);

describe('parsePushXml: event pushes (接收事件推送 formats)', () => {
  it('plain subscribe, pretty-printed as in the docs', () => {
    const xml = `<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[FromUser]]></FromUserName>
  <CreateTime>123456789</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[subscribe]]></Event>
</xml>`;
    const message = parsePushXml(xml);
    expect(message).toEqual({
      type: 'subscribe',
      toUserName: 'toUser',
      fromUserName: 'FromUser',
      createTime: 123456789,
      msgType: 'event',
      event: 'subscribe',
      raw: expect.objectContaining({ Event: 'subscribe', CreateTime: '123456789' }),
    });
    expect(Object.getPrototypeOf(message.raw)).toBeNull();
  });

  it('subscribe through a parameterised QR code carries eventKey, ticket and scene', () => {
    const message = parsePushXml(
      event(
        'subscribe',
        '<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>',
      ),
    );
    expect(message).toMatchObject({
      type: 'subscribe',
      eventKey: 'qrscene_123123',
      ticket: 'TICKET',
      scene: '123123',
    });
  });

  it('subscribe with an empty or non-QR EventKey has no scene', () => {
    const empty = parsePushXml(event('subscribe', '<EventKey><![CDATA[]]></EventKey>'));
    expect(empty).not.toHaveProperty('eventKey');
    expect(empty).not.toHaveProperty('scene');
    const other = parsePushXml(
      event('subscribe', '<EventKey><![CDATA[last_trade_no_1]]></EventKey>'),
    );
    expect(other).toMatchObject({ eventKey: 'last_trade_no_1' });
    expect(other).not.toHaveProperty('scene');
  });

  it('unsubscribe', () => {
    expect(parsePushXml(event('unsubscribe', '<EventKey><![CDATA[]]></EventKey>'))).toMatchObject({
      type: 'unsubscribe',
      event: 'unsubscribe',
      fromUserName: 'oOpenid_1',
      createTime: 1700000000,
    });
  });

  it('SCAN by a follower', () => {
    const message = parsePushXml(
      event('SCAN', '<EventKey><![CDATA[42]]></EventKey><Ticket><![CDATA[T]]></Ticket>'),
    );
    expect(message).toMatchObject({ type: 'scan', event: 'SCAN', eventKey: '42', ticket: 'T' });
    expect(parsePushXml(event('SCAN'))).not.toHaveProperty('eventKey');
  });

  it('event names are matched case-insensitively; other events are unknown with raw fields', () => {
    expect(parsePushXml(event('Subscribe')).type).toBe('subscribe');
    const click = parsePushXml(event('CLICK', '<EventKey><![CDATA[MENU_1]]></EventKey>'));
    expect(click).toMatchObject({ type: 'unknown', event: 'CLICK' });
    expect(click.raw['EventKey']).toBe('MENU_1');
  });
});

describe('parsePushXml: messages (接收普通消息)', () => {
  it('keeps a 64-bit MsgId exact as a string', () => {
    const message = parsePushXml(
      wrap(`${head('text')}<Content><![CDATA[ hello ]]></Content><MsgId>${M.msgId}</MsgId>`),
    );
    expect(message).toMatchObject({
      type: 'message',
      msgType: 'text',
      msgId: '6054768590064713728',
      content: ' hello ',
    });
    expect(Number(M.msgId).toString()).not.toBe(M.msgId); // a number would have been rounded
  });

  it('non-text messages have no content; nested elements stay in raw', () => {
    const message = parsePushXml(
      wrap(
        `${head('image')}<PicUrl><![CDATA[http://x/y.jpg]]></PicUrl><MsgId>1</MsgId><Info><A>1</A><A>2</A></Info>`,
      ),
    );
    expect(message.type).toBe('message');
    expect(message).not.toHaveProperty('content');
    expect(message.raw['Info']).toEqual({ A: ['1', '2'] });
  });

  it('a message without MsgId is unknown', () => {
    expect(parsePushXml(wrap(head('text'))).type).toBe('unknown');
  });

  it('decodes predefined and numeric character references, but not inside CDATA', () => {
    const message = parsePushXml(
      wrap(
        `${head('text')}<Content>a &amp; b &lt;&#x41;&#66;&gt; &#0;</Content><Raw><![CDATA[&amp;]]></Raw><MsgId>1</MsgId>`,
      ),
    );
    expect(message).toMatchObject({ content: 'a & b <AB> \uFFFD' });
    expect(message.raw['Raw']).toBe('&amp;');
  });

  it('maps references to characters XML cannot carry to U+FFFD', () => {
    const message = parsePushXml(
      wrap(
        `${head('text')}<Content>a&#9;&#10;&#13;&#xE000;&#x1F600;|&#xFFFE;&#xD800;&#x110000;&#1;z</Content><MsgId>1</MsgId>`,
      ),
    );
    expect(message).toMatchObject({ content: 'a\t\n\r\uE000\u{1F600}|\uFFFD\uFFFD\uFFFD\uFFFDz' });
  });

  it('text that only looks like markup inside CDATA or a comment is content, not a declaration', () => {
    const message = parsePushXml(
      wrap(
        `<!-- <!DOCTYPE x> -->${head('text')}<Content><![CDATA[<!DOCTYPE x [<!ENTITY a "b">]> &a;]]></Content><MsgId>7</MsgId>`,
      ),
    );
    expect(message).toMatchObject({ content: '<!DOCTYPE x [<!ENTITY a "b">]> &a;' });
  });

  it('accepts an XML declaration and attributes (ignored)', () => {
    const message = parsePushXml(
      `<?xml version="1.0" encoding="UTF-8"?><xml a="1>2">${head('text')}<MsgId>9</MsgId></xml>`,
    );
    expect(message.type).toBe('message');
  });
});

describe('parsePushXml: missing and malformed fields', () => {
  it.each([
    [
      'ToUserName',
      wrap(
        '<FromUserName>f</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event>',
      ),
    ],
    [
      'FromUserName (empty)',
      wrap(
        '<ToUserName>t</ToUserName><FromUserName></FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>',
      ),
    ],
    [
      'CreateTime',
      wrap('<ToUserName>t</ToUserName><FromUserName>f</FromUserName><MsgType>event</MsgType>'),
    ],
    [
      'MsgType',
      wrap('<ToUserName>t</ToUserName><FromUserName>f</FromUserName><CreateTime>1</CreateTime>'),
    ],
    ['Event on an event push', wrap(head())],
    ['everything (empty root)', '<xml/>'],
    ['everything (text root)', '<xml>hello</xml>'],
  ])('missing %s → XML_MISSING_FIELD', (_name, xml) => {
    expect(xmlCode(() => parsePushXml(xml))).toBe('XML_MISSING_FIELD');
  });

  it.each([
    ['a non-integer CreateTime', wrap(head().replace('1700000000', '17e8'))],
    ['a negative CreateTime', wrap(head().replace('1700000000', '-1'))],
    [
      'a duplicated FromUserName',
      wrap(`${head()}<FromUserName>x</FromUserName><Event>subscribe</Event>`),
    ],
    [
      'an element where text is expected',
      wrap(head().replace('<![CDATA[oOpenid_1]]>', '<a>b</a>')),
    ],
  ])('%s → XML_MALFORMED', (_name, xml) => {
    expect(xmlCode(() => parsePushXml(xml))).toBe('XML_MALFORMED');
  });
});

describe('parsePushXml: hostile and broken XML', () => {
  it.each(FORBIDDEN_CORPUS)('%s → XML_ENTITY_FORBIDDEN', (_name, xml) => {
    expect(xmlCode(() => parsePushXml(xml))).toBe('XML_ENTITY_FORBIDDEN');
  });

  it('bounds nesting depth (default 8, configurable), counting only open elements', () => {
    const nested = (levels: number): string => `${'<a>'.repeat(levels)}${'</a>'.repeat(levels)}`;
    // <xml> is level 1, so 7 more levels are fine and 8 more are too deep.
    expect(parsePushXml(wrap(`${head('text')}<MsgId>1</MsgId>${nested(7)}<b/><c/>`)).type).toBe(
      'message',
    );
    expect(xmlCode(() => parsePushXml(wrap(`${head('text')}${nested(8)}`)))).toBe('XML_TOO_DEEP');
    expect(xmlCode(() => parsePushXml(wrap(`${head('text')}${nested(3)}`), { maxDepth: 3 }))).toBe(
      'XML_TOO_DEEP',
    );
    // 9 000 levels (just under 64 KiB) are refused quickly, before the parser sees them.
    const started = Date.now();
    expect(xmlCode(() => parsePushXml(nested(9_000)))).toBe('XML_TOO_DEEP');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('caps the input size in UTF-8 bytes (64 KiB by default, configurable)', () => {
    const padding = (n: number): string => `<P><![CDATA[${'x'.repeat(n)}]]></P>`;
    const base = wrap(`${head('text')}<MsgId>1</MsgId>`);
    const fits = wrap(
      `${head('text')}<MsgId>1</MsgId>${padding(DEFAULT_MAX_XML_BYTES - base.length - 19)}`,
    );
    expect(Buffer.byteLength(fits)).toBe(DEFAULT_MAX_XML_BYTES);
    expect(parsePushXml(fits).type).toBe('message');
    expect(xmlCode(() => parsePushXml(`${fits} `))).toBe('XML_TOO_LARGE');
    // 30 000 CJK characters are 90 000 bytes although only 30 000 UTF-16 units.
    expect(xmlCode(() => parsePushXml(wrap(`${head('text')}<C>${'你'.repeat(30_000)}</C>`)))).toBe(
      'XML_TOO_LARGE',
    );
    expect(xmlCode(() => parsePushXml(wrap(head()), { maxBytes: 100 }))).toBe('XML_TOO_LARGE');
    expect(xmlCode(() => parsePushXml('x'.repeat(10_000_000)))).toBe('XML_TOO_LARGE');
  });

  it.each(MALFORMED_CORPUS)('%s → XML_MALFORMED', (_name, xml) => {
    expect(xmlCode(() => parsePushXml(xml as string))).toBe('XML_MALFORMED');
  });

  it('never pollutes Object.prototype', () => {
    try {
      parsePushXml(wrap(`${head()}<__proto__><polluted>1</polluted></__proto__>`));
    } catch {
      // rejected, as tested above
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('any random input yields a PushMessage or a WechatXmlError, nothing else', () => {
    const fragments = fc.constantFrom(...MARKUP_FRAGMENTS);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fragments, fc.string({ maxLength: 5 })), { maxLength: 20 }),
        (parts) => {
          try {
            const message = parsePushXml(parts.join(''));
            expect(typeof message.createTime).toBe('number');
          } catch (error) {
            expect(error).toBeInstanceOf(WechatXmlError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects invalid limits as a programming error', () => {
    expect(() => parsePushXml(wrap(head()), { maxBytes: 0 })).toThrow(RangeError);
    expect(() => parsePushXml(wrap(head()), { maxDepth: 1.5 })).toThrow(RangeError);
  });
});

describe('parseEncryptedEnvelope', () => {
  it("reads the official sample's from_xml (plain fields next to Encrypt)", () => {
    const fromXml =
      `<xml><ToUserName><![CDATA[${M.toUserName}]]></ToUserName><FromUserName><![CDATA[${M.fromUserName}]]></FromUserName>` +
      `<CreateTime>${M.createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${M.content}]]></Content>` +
      `<MsgId>${M.msgId}</MsgId><Encrypt><![CDATA[${M.encrypt}]]></Encrypt></xml>`;
    expect(parseEncryptedEnvelope(fromXml)).toEqual({
      toUserName: M.toUserName,
      encrypt: M.encrypt,
    });
  });

  it('ToUserName is optional; Encrypt is required', () => {
    expect(parseEncryptedEnvelope(wrap('<Encrypt><![CDATA[abc=]]></Encrypt>'))).toEqual({
      encrypt: 'abc=',
    });
    expect(xmlCode(() => parseEncryptedEnvelope(wrap('<ToUserName>gh</ToUserName>')))).toBe(
      'XML_MISSING_FIELD',
    );
    expect(xmlCode(() => parseEncryptedEnvelope(wrap('<Encrypt></Encrypt>')))).toBe(
      'XML_MISSING_FIELD',
    );
  });

  it('applies the same hardening', () => {
    expect(
      xmlCode(() => parseEncryptedEnvelope(`<!DOCTYPE x>${wrap('<Encrypt>a</Encrypt>')}`)),
    ).toBe('XML_ENTITY_FORBIDDEN');
    expect(
      xmlCode(() => parseEncryptedEnvelope(wrap('<Encrypt>a</Encrypt>'), { maxBytes: 10 })),
    ).toBe('XML_TOO_LARGE');
    expect(xmlCode(() => parseEncryptedEnvelope('<xml><Encrypt>a</xml>'))).toBe('XML_MALFORMED');
  });
});

describe('buildReplyXml', () => {
  it('writes strings as CDATA and numbers as text, in field order', () => {
    expect(
      buildReplyXml({
        ToUserName: 'oUser',
        FromUserName: 'gh_1',
        CreateTime: 1700000000,
        MsgType: 'text',
        Content: '你好',
      }),
    ).toBe(
      '<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_1]]></FromUserName>' +
        '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>',
    );
  });

  it('splits "]]>" so it cannot end the CDATA section', () => {
    const xml = buildReplyXml({ Content: 'a]]>b]]>' });
    expect(xml).toBe('<xml><Content><![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>]]></Content></xml>');
    const attack = ']]></Content><MsgType>evil</MsgType><Content><![CDATA[';
    const injected = buildReplyXml({
      ToUserName: 'o',
      FromUserName: 'g',
      CreateTime: 1,
      MsgType: 'text',
      Content: attack,
      MsgId: '1',
    });
    expect(parsePushXml(injected)).toMatchObject({ msgType: 'text', content: attack });
  });

  it('nests objects and repeats a tag for arrays (news replies)', () => {
    expect(
      buildReplyXml({
        ArticleCount: 2,
        Articles: { item: [{ Title: 'a' }, { Title: 'b' }] },
        Image: { MediaId: 'm' },
      }),
    ).toBe(
      '<xml><ArticleCount>2</ArticleCount><Articles><item><Title><![CDATA[a]]></Title></item>' +
        '<item><Title><![CDATA[b]]></Title></item></Articles><Image><MediaId><![CDATA[m]]></MediaId></Image></xml>',
    );
  });

  it('replaces characters XML cannot carry', () => {
    expect(buildReplyXml({ C: 'a\u0000b\u001fc\ud800d\tok' })).toBe(
      '<xml><C><![CDATA[a\uFFFDb\uFFFDc\uFFFDd\tok]]></C></xml>',
    );
  });

  it('refuses invalid tag names and non-finite numbers', () => {
    expect(() => buildReplyXml({ 'a><b': 'x' })).toThrow(RangeError);
    expect(() => buildReplyXml({ '': 'x' })).toThrow(RangeError);
    expect(() => buildReplyXml({ N: Number.NaN })).toThrow(RangeError);
  });

  it('round-trips any text through parsePushXml', () => {
    const text = fc
      .string({ unit: 'grapheme', maxLength: 60 })
      .map((s) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, ''));
    const withMarkup = fc.oneof(
      text,
      fc.constantFrom(']]>', ']]]>', 'a]]>b', '<xml>', '&amp;', ' padded '),
    );
    fc.assert(
      fc.property(
        withMarkup,
        fc
          .string({ minLength: 1, maxLength: 20 })
          .filter((s) => s.trim() === s && /^[\x21-\x7e]+$/.test(s)),
        (content, from) => {
          const xml = buildReplyXml({
            ToUserName: 'gh',
            FromUserName: from,
            CreateTime: 1,
            MsgType: 'text',
            Content: content,
            MsgId: '1',
          });
          expect(parsePushXml(xml)).toMatchObject({ fromUserName: from, content, msgId: '1' });
        },
      ),
    );
  });
});

describe('buildEncryptedReplyXml', () => {
  it('writes the safe-mode reply envelope that parseEncryptedEnvelope reads back', () => {
    const xml = buildEncryptedReplyXml({
      encrypt: M.encrypt,
      msgSignature: M.msgSignature,
      timestamp: M.timestamp,
      nonce: M.nonce,
    });
    expect(xml).toBe(
      `<xml><Encrypt><![CDATA[${M.encrypt}]]></Encrypt><MsgSignature><![CDATA[${M.msgSignature}]]></MsgSignature>` +
        `<TimeStamp>${M.timestamp}</TimeStamp><Nonce><![CDATA[${M.nonce}]]></Nonce></xml>`,
    );
    expect(parseEncryptedEnvelope(xml).encrypt).toBe(M.encrypt);
    expect(
      buildEncryptedReplyXml({ encrypt: 'e', msgSignature: 's', timestamp: 5, nonce: 'n' }),
    ).toContain('<TimeStamp>5</TimeStamp>');
  });

  it.each(['', '12a', '-1', '1.5', ' 1', '01'])('refuses timestamp %p', (timestamp) => {
    expect(() =>
      buildEncryptedReplyXml({ encrypt: 'e', msgSignature: 's', timestamp, nonce: 'n' }),
    ).toThrow(RangeError);
  });

  it('refuses a non-integer numeric timestamp', () => {
    expect(() =>
      buildEncryptedReplyXml({ encrypt: 'e', msgSignature: 's', timestamp: 1.5, nonce: 'n' }),
    ).toThrow(RangeError);
  });
});
