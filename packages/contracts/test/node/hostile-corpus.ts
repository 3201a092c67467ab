/** The hostile and broken pushes every parser version must refuse, with the expected code. */

/** Wraps fields in the <xml> root. */
export const wrap = (body: string): string => `<xml>${body}</xml>`;

/** The four fields every push carries. */
export const head = (msgType = 'event'): string =>
  '<ToUserName><![CDATA[gh_123]]></ToUserName>' +
  '<FromUserName><![CDATA[oOpenid_1]]></FromUserName>' +
  `<CreateTime>1700000000</CreateTime><MsgType><![CDATA[${msgType}]]></MsgType>`;

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<xml><ToUserName>&lol3;</ToUserName></xml>`;

/** Declarations in any form: XML_ENTITY_FORBIDDEN. */
export const FORBIDDEN_CORPUS: [string, string][] = [
  ['billion laughs', billionLaughs],
  [
    'an external entity (XXE)',
    `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${wrap('<ToUserName>&xxe;</ToUserName>')}`,
  ],
  ['a lowercase doctype', `<!doctype xml>${wrap(head())}`],
  ['a bare ENTITY declaration', wrap(`<!ENTITY a "b">${head()}`)],
  ['an ELEMENT declaration', wrap(`<!ELEMENT xml ANY>${head()}`)],
];

/** Broken or hostile markup: XML_MALFORMED. */
export const MALFORMED_CORPUS: [string, unknown][] = [
  ['an empty string', ''],
  ['plain text', 'success'],
  ['JSON', '{"ToUserName":"x"}'],
  ['an unclosed root', `<xml>${head()}`],
  ['mismatched tags', '<xml><a></b></xml>'],
  ['two roots', '<xml></xml><xml></xml>'],
  ['another root element', `<root>${head()}</root>`],
  ['trailing text', `${wrap(head())}junk`],
  ['an undefined entity', wrap(`${head()}<Event>&nbsp;</Event>`)],
  ['a stray ampersand', wrap(`${head()}<Event>a & b</Event>`)],
  ['an unterminated CDATA section', wrap(`${head()}<Event><![CDATA[subscribe</Event>`)],
  ['an unterminated comment', wrap(`${head()}<!-- x`)],
  ['an unterminated processing instruction', `<?xml version="1.0"${wrap(head())}`],
  ['an unterminated start tag', '<xml><a b="x></xml>'],
  ['an unterminated end tag', '<xml></xml'],
  ['a prototype-polluting tag', wrap(`${head()}<__proto__><polluted>1</polluted></__proto__>`)],
  ['a constructor tag', wrap(`${head()}<constructor>1</constructor>`)],
  ['a non-string input', 42],
];

const nested = (levels: number): string => `${'<a>'.repeat(levels)}${'</a>'.repeat(levels)}`;

/** Every hostile input with the code the parser answers. */
export const HOSTILE_CORPUS: [string, unknown, string][] = [
  ...FORBIDDEN_CORPUS.map(([name, xml]): [string, unknown, string] => [
    name,
    xml,
    'XML_ENTITY_FORBIDDEN',
  ]),
  ...MALFORMED_CORPUS.map(([name, xml]): [string, unknown, string] => [name, xml, 'XML_MALFORMED']),
  ['9 000 nested levels', nested(9_000), 'XML_TOO_DEEP'],
  ['9 nested levels', wrap(`${head('text')}${nested(8)}`), 'XML_TOO_DEEP'],
  ['90 000 bytes of CJK', wrap(`${head('text')}<C>${'你'.repeat(30_000)}</C>`), 'XML_TOO_LARGE'],
  ['10 MB of text', 'x'.repeat(10_000_000), 'XML_TOO_LARGE'],
];

/**
 * Pieces of markup, valid and broken, that property tests join at random (with
 * random strings) to probe the parsers beyond the fixed corpus above.
 */
export const MARKUP_FRAGMENTS: readonly string[] = [
  '<xml>',
  '</xml>',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<!DOCTYPE',
  '<?',
  '?>',
  '&amp;',
  '&',
  '&#x41;',
  '<a>',
  '</a>',
  '<b/>',
  '<a x="1">',
  ' ',
  head(),
  '<ToUserName>t</ToUserName><FromUserName>f</FromUserName><CreateTime>1</CreateTime>',
  '<MsgType>event</MsgType><Event>subscribe</Event>',
  '<MsgType>text</MsgType><MsgId>1</MsgId>',
  '<Event>subscribe</Event>',
  '<MsgId>1</MsgId>',
  '"',
  "'",
  '>',
  '<',
];
