import { randomToken } from './ids';

/**
 * Builds push XML the way WeChat formats it: strings in CDATA, numbers bare,
 * fields in insertion order inside one `<xml>` root.
 */

export type XmlFields = Record<string, string | number>;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function cdata(value: string): string {
  // A literal `]]>` cannot live inside one CDATA section; split it across two.
  return `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

export function buildXml(fields: XmlFields): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (!FIELD_NAME.test(name)) throw new Error(`invalid XML field name: ${name}`);
    const text = typeof value === 'number' ? String(value) : cdata(value);
    parts.push(`<${name}>${text}</${name}>`);
  }
  return `<xml>${parts.join('')}</xml>`;
}

export interface FollowEventInput {
  toUserName: string; // the official account's original id (gh_...)
  openid: string;
  createTime: number; // unix seconds
  event: 'subscribe' | 'unsubscribe';
  scene?: string | null; // qrscene value without the prefix
}

/**
 * subscribe/unsubscribe event fields. A follow through a parametrised QR code
 * carries `EventKey = qrscene_<scene>` and `Ticket`; otherwise WeChat sends an
 * empty EventKey (the docs' sample omits it; real pushes include it empty, so
 * receivers must accept both).
 */
export function followEventFields(input: FollowEventInput): XmlFields {
  const fields: XmlFields = {
    ToUserName: input.toUserName,
    FromUserName: input.openid,
    CreateTime: input.createTime,
    MsgType: 'event',
    Event: input.event,
  };
  if (input.event === 'subscribe' && input.scene) {
    fields.EventKey = `qrscene_${input.scene}`;
    // The ticket identifies the QR code; any opaque string will do here.
    fields.Ticket = randomToken(48);
  } else {
    fields.EventKey = '';
  }
  return fields;
}
