/**
 * Passive replies and the safe-mode reply envelope (被动回复用户消息,
 * 消息加解密): strings as CDATA, numbers as text, in field order.
 */
export type ReplyScalar = string | number;
/** A field of a reply: a value, nested fields, or an array repeating the tag. */
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

/** The four fields of the safe-mode reply envelope. */
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
