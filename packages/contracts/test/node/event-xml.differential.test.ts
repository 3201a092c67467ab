/**
 * Differential tests: the single-pass parser against the former three-pass
 * one (test/node/oracle/event-xml-v1.ts) on generated WeChat-shaped pushes,
 * the hostile corpus and random markup soup.
 */
import fc from 'fast-check';
import { parseEncryptedEnvelope, parsePushXml, WechatXmlError } from '../../src/node';
import { oldParseEncryptedEnvelope, oldParsePushXml } from './oracle/event-xml-v1';
import { HOSTILE_CORPUS, MARKUP_FRAGMENTS } from './hostile-corpus';

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

function outcome(parse: () => unknown): Outcome {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (error instanceof WechatXmlError) return { ok: false, code: error.code };
    throw error;
  }
}

/** Plain objects for comparison: raw records have a null prototype in both versions. */
const plain = (o: Outcome): unknown => JSON.parse(JSON.stringify(o)) as unknown;

// ------------------------------------------------------------ generators

const space = fc.constantFrom('', '', ' ', '\n', '\n  ', '\r\n\t');
const safeText = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
  .map((s) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, ''))
  .filter((s) => s.trim() !== '');
const idText = fc.stringMatching(/^[A-Za-z0-9_-]{1,28}$/);

/** A field value written as CDATA, escaped text or plain text, as WeChat and its imitators do. */
function written(value: string): fc.Arbitrary<string> {
  const escaped = value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
  return fc.constantFrom(
    `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`,
    escaped,
    escaped.replace(/'/g, '&apos;').replace(/A/g, '&#65;'),
  );
}

const field = (tag: string, value: string): fc.Arbitrary<string> =>
  fc.tuple(space, written(value)).map(([ws, text]) => `${ws}<${tag}>${text}</${tag}>`);

interface Shape {
  msgType: string;
  fields: [string, string][];
}

const eventShape: fc.Arbitrary<Shape> = fc.oneof(
  fc.constant({ msgType: 'event', fields: [['Event', 'subscribe']] as [string, string][] }),
  fc.tuple(idText, idText).map(([scene, ticket]) => ({
    msgType: 'event',
    fields: [
      ['Event', 'subscribe'],
      ['EventKey', `qrscene_${scene}`],
      ['Ticket', ticket],
    ] as [string, string][],
  })),
  // A SCAN key is the bare scene, but a "qrscene_" prefix must not make it a subscribe scene.
  fc
    .tuple(idText, idText, fc.constantFrom('SCAN', 'scan'), fc.constantFrom('', 'qrscene_'))
    .map(([key, ticket, name, prefix]) => ({
      msgType: 'event',
      fields: [
        ['Event', name],
        ['EventKey', prefix + key],
        ['Ticket', ticket],
      ] as [string, string][],
    })),
  fc.constantFrom('unsubscribe', 'UNSUBSCRIBE').map((name) => ({
    msgType: 'event',
    fields: [
      ['Event', name],
      ['EventKey', ''],
    ] as [string, string][],
  })),
  fc
    .tuple(fc.constantFrom('CLICK', 'VIEW', 'LOCATION', 'TEMPLATESENDJOBFINISH'), idText)
    .map(([name, key]) => ({
      msgType: 'event',
      fields: [
        ['Event', name],
        ['EventKey', key],
      ] as [string, string][],
    })),
);

const messageShape: fc.Arbitrary<Shape> = fc.oneof(
  fc.tuple(safeText, fc.bigInt({ min: 1n, max: 2n ** 64n - 1n })).map(([content, id]) => ({
    msgType: 'text',
    fields: [
      ['Content', content],
      ['MsgId', id.toString()],
    ] as [string, string][],
  })),
  fc.tuple(idText, idText, fc.bigInt({ min: 1n, max: 2n ** 64n - 1n })).map(([pic, media, id]) => ({
    msgType: 'image',
    fields: [
      ['PicUrl', `http://mmbiz.qpic.cn/${pic}`],
      ['MediaId', media],
      ['MsgId', id.toString()],
    ] as [string, string][],
  })),
);

const push = fc
  .tuple(
    idText,
    idText,
    fc.integer({ min: 0, max: 4_102_444_800 }),
    fc.oneof(eventShape, messageShape),
    fc.boolean(),
    space,
  )
  .chain(([to, from, time, shape, declaration, trailing]) =>
    fc
      .tuple(
        field('ToUserName', to),
        field('FromUserName', from),
        fc.constantFrom(`<CreateTime>${time}</CreateTime>`, `<CreateTime>${time}</CreateTime>\n`),
        field('MsgType', shape.msgType),
        ...shape.fields.map(([tag, value]) => field(tag, value)),
      )
      .map(
        (parts) =>
          `${declaration ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}<xml>${parts.join('')}${trailing}</xml>${trailing}`,
      ),
  );

// ------------------------------------------------------------ properties

describe('single-pass parsePushXml against the former three-pass parser', () => {
  it('gives identical typed results on generated WeChat-shaped pushes', () => {
    fc.assert(
      fc.property(push, (xml) => {
        const next = outcome(() => parsePushXml(xml));
        expect(next.ok).toBe(true);
        expect(plain(next)).toEqual(plain(outcome(() => oldParsePushXml(xml))));
      }),
      { numRuns: 1500 },
    );
  });

  it.each(HOSTILE_CORPUS)('refuses %s with the same error code', (_name, xml, code) => {
    const next = outcome(() => parsePushXml(xml as string));
    expect(next).toEqual({ ok: false, code });
    expect(outcome(() => oldParsePushXml(xml as string))).toEqual(next);
  });

  it('never accepts markup soup the former parser refused, and agrees when both accept', () => {
    const fragments = fc.constantFrom(...MARKUP_FRAGMENTS);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fragments, fc.string({ maxLength: 4 })), { maxLength: 16 }),
        (parts) => {
          const xml = parts.join('');
          const next = outcome(() => parsePushXml(xml));
          if (next.ok) expect(plain(next)).toEqual(plain(outcome(() => oldParsePushXml(xml))));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads the safe-mode envelope as before', () => {
    fc.assert(
      fc.property(
        idText,
        fc.base64String({ minLength: 4, maxLength: 200 }),
        space,
        (to, enc, ws) => {
          const xml = `<xml>${ws}<ToUserName><![CDATA[${to}]]></ToUserName>${ws}<Encrypt><![CDATA[${enc}]]></Encrypt>${ws}</xml>`;
          expect(plain(outcome(() => parseEncryptedEnvelope(xml)))).toEqual(
            plain(outcome(() => oldParseEncryptedEnvelope(xml))),
          );
        },
      ),
    );
  });
});
