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

/** The follower events the sandbox pushes. */
export type FollowEvent = 'subscribe' | 'unsubscribe' | 'SCAN';

export interface FollowEventInput {
  toUserName: string; // the official account's original id (gh_...)
  openid: string;
  createTime: number; // unix seconds
  event: FollowEvent;
  /** QR scene value (without any prefix); required for SCAN. */
  scene?: string | null;
  /** The QR code's ticket; sent with a scene. */
  ticket?: string;
}

/**
 * Follower event fields, after the event-push page ("扫描带参数二维码事件"):
 *
 * - "用户未关注时，进行关注后的事件推送": `subscribe` with
 *   "EventKey 事件KEY值，qrscene_为前缀，后面为二维码的参数值" and "Ticket".
 * - "用户已关注时的事件推送": `SCAN` with the scene value itself as EventKey
 *   (no prefix) and Ticket.
 * - A follow without a QR code and an unfollow carry an empty EventKey and no
 *   Ticket. The docs' 关注/取消关注 sample has no EventKey at all, but pushes
 *   captured from WeChat carry `<EventKey><![CDATA[]]></EventKey>`; sending
 *   the empty one is the harder case for a receiver (an EventKey that is
 *   present is not a QR follow), and receivers must accept both.
 */
export function followEventFields(input: FollowEventInput): XmlFields {
  const fields: XmlFields = {
    ToUserName: input.toUserName,
    FromUserName: input.openid,
    CreateTime: input.createTime,
    MsgType: 'event',
    Event: input.event,
  };
  const ticket = input.ticket ?? randomToken(48);
  if (input.event === 'SCAN') {
    if (!input.scene) throw new Error('a SCAN event needs a scene');
    fields.EventKey = input.scene;
    fields.Ticket = ticket;
  } else if (input.event === 'subscribe' && input.scene) {
    fields.EventKey = `qrscene_${input.scene}`;
    fields.Ticket = ticket;
  } else {
    fields.EventKey = '';
  }
  return fields;
}
