import type { SubscriptionStatus, SubscriptionView } from './http';

/**
 * A follow or unfollow of the official account, as pushed by WeChat (or a backfill snapshot:
 * a `subscribe` at the follower's `subscribe_time`).
 */
export type FollowerEvent = {
  kind: 'subscribe' | 'unsubscribe';
  /** CreateTime of the push, unix seconds. */
  at: number;
  /** From `cgi-bin/user/info`; unsubscribe pushes never carry it. */
  unionid?: string | null;
  /** The QR scene of a subscribe (EventKey without `qrscene_`). */
  scene?: string | null;
};

/** What we know about one follower (one official-account openid). */
export type FollowerState = {
  subscribed: boolean;
  /** `at` of the event that decided `subscribed`. */
  stateAt: number;
  unionid: string | null;
  /** `at` of the subscribe that was last applied, if any. */
  subscribedAt: number | null;
  /** `at` of the unsubscribe that was last applied, if any. */
  unsubscribedAt: number | null;
  scene: string | null;
};

function assertValidTime(at: number): void {
  if (!Number.isSafeInteger(at) || at < 0) {
    throw new RangeError(
      `FollowerEvent.at must be a non-negative integer (unix seconds), got ${at}`,
    );
  }
}

/** Picks one of two values without depending on which arrived first. */
function pickStable(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a <= b ? a : b;
}

function stateFromEvent(event: FollowerEvent): FollowerState {
  const subscribed = event.kind === 'subscribe';
  return {
    subscribed,
    stateAt: event.at,
    unionid: event.unionid ?? null,
    subscribedAt: subscribed ? event.at : null,
    unsubscribedAt: subscribed ? null : event.at,
    scene: subscribed ? (event.scene ?? null) : null,
  };
}

/**
 * Applies one event. WeChat retries pushes and may deliver them out of order, and the backfill
 * runs concurrently with live pushes, so the rules make the result independent of arrival order:
 *
 * - the event with the greatest `at` decides `subscribed`;
 * - on equal `at`, `unsubscribe` wins (a follow and unfollow in the same second most likely
 *   ended unfollowed, and a fixed rule keeps replicas in agreement);
 * - an older event changes nothing except filling a missing unionid;
 * - a known unionid is never cleared or replaced (WeChat's unionid for an openid is fixed, and
 *   unsubscribe pushes do not carry it).
 */
export function applyFollowerEvent(
  state: FollowerState | null,
  event: FollowerEvent,
): FollowerState {
  assertValidTime(event.at);
  if (state === null) return stateFromEvent(event);

  const unionid = state.unionid ?? event.unionid ?? null;
  const newer =
    event.at > state.stateAt || (event.at === state.stateAt && event.kind === 'unsubscribe');
  const sameMoment =
    event.at === state.stateAt && (event.kind === 'subscribe') === state.subscribed;

  if (sameMoment) {
    // A duplicate (a WeChat retry, or the backfill seeing the same subscribe): merge so that
    // the order of the two copies cannot change the result.
    return {
      ...state,
      unionid,
      scene: state.subscribed ? pickStable(state.scene, event.scene ?? null) : state.scene,
    };
  }
  if (!newer) return { ...state, unionid };

  if (event.kind === 'subscribe') {
    return {
      subscribed: true,
      stateAt: event.at,
      unionid,
      subscribedAt: event.at,
      unsubscribedAt: state.unsubscribedAt,
      scene: event.scene ?? null,
    };
  }
  return {
    subscribed: false,
    stateAt: event.at,
    unionid,
    subscribedAt: state.subscribedAt,
    unsubscribedAt: event.at,
    // Keep how they had subscribed: it is history, not current state.
    scene: state.scene,
  };
}

/** Folds events (any order) into the follower's state; `null` when there are none. */
export function reduceFollowerEvents(events: Iterable<FollowerEvent>): FollowerState | null {
  let state: FollowerState | null = null;
  for (const event of events) state = applyFollowerEvent(state, event);
  return state;
}

/** What `subscriptionStatus()` and `subscriptionView()` decide from. */
export type LinkageInput = {
  /** The mini-program user's unionid, `null` while unknown. */
  userUnionid: string | null;
  /** The follower record found by that unionid, `null` when there is none. */
  follower: FollowerState | null;
};

/**
 * `unknown`: the user's unionid is not known yet, so we cannot tell.
 * `never`: the unionid is known and no follower has it.
 * Otherwise the follower's current state. A follower whose unionid differs from the user's is
 * treated as absent, so a caller's lookup bug can never show someone else's state.
 */
export function subscriptionStatus({ userUnionid, follower }: LinkageInput): SubscriptionStatus {
  if (userUnionid === null || userUnionid === '') return 'unknown';
  if (follower === null || follower.unionid !== userUnionid) return 'never';
  return follower.subscribed ? 'subscribed' : 'unsubscribed';
}

function isoFromUnixSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/**
 * The `subscription` object of the API. `subscribedAt` is shown while subscribed and, after an
 * unfollow, when known; `unsubscribedAt` only while unsubscribed (a re-follow makes it moot).
 */
export function subscriptionView(appid: string, input: LinkageInput): SubscriptionView {
  const status = subscriptionStatus(input);
  const view: SubscriptionView = { officialAccountAppid: appid, status };
  const follower = input.follower;
  if (follower === null || (status !== 'subscribed' && status !== 'unsubscribed')) return view;

  if (follower.subscribedAt !== null) view.subscribedAt = isoFromUnixSeconds(follower.subscribedAt);
  if (status === 'unsubscribed' && follower.unsubscribedAt !== null) {
    view.unsubscribedAt = isoFromUnixSeconds(follower.unsubscribedAt);
  }
  return view;
}

/** The fields of a pushed message or event that identify it across WeChat's retries. */
export type PushIdentity = {
  MsgType: string;
  FromUserName: string;
  CreateTime: number;
  Event?: string;
  MsgId?: string;
};

/**
 * The deduplication key WeChat's docs recommend: messages by `MsgId`, events by
 * FromUserName + CreateTime (+ the event name, since one user can trigger two different
 * events in the same second). A message without MsgId falls back to its MsgType.
 */
export function pushDedupKey(msg: PushIdentity): string {
  if (msg.MsgId !== undefined && msg.MsgId !== '') return `msg:${msg.MsgId}`;
  const name = msg.Event !== undefined && msg.Event !== '' ? msg.Event : msg.MsgType;
  return `event:${msg.FromUserName}:${msg.CreateTime}:${name.toLowerCase()}`;
}

/** Digits shown at each end of a masked phone number. */
const PHONE_HEAD = 3;
const PHONE_TAIL = 4;

/**
 * Masks a phone number for display: `13800138000` → `138****8000`. Numbers long enough to keep
 * at least one hidden character keep the first 3 and last 4; shorter ones are fully masked.
 */
export function maskPhone(phone: string): string {
  const chars = [...phone];
  if (chars.length <= PHONE_HEAD + PHONE_TAIL) return '*'.repeat(chars.length);
  const hidden = chars.length - PHONE_HEAD - PHONE_TAIL;
  return (
    chars.slice(0, PHONE_HEAD).join('') + '*'.repeat(hidden) + chars.slice(-PHONE_TAIL).join('')
  );
}

/** The nickname modern WeChat returns instead of the real one (with a grey avatar). */
export const ANONYMOUS_NICKNAME = '微信用户';

/** The profile fields `isAnonymousProfile()` looks at, as getUserInfo returns them. */
export type ProfileCandidate = {
  nickName?: string | null;
  avatarUrl?: string | null;
};

/**
 * True for the placeholder profile that getUserInfo/getUserProfile return since late 2022
 * ("微信用户" and a grey avatar), which must never overwrite real data. The nickname decides:
 * the grey avatar's URL is not a documented constant, so matching on it could let a placeholder
 * through the day it changes. A blank or missing nickname is a placeholder too.
 */
export function isAnonymousProfile(profile: ProfileCandidate): boolean {
  const nick = profile.nickName?.trim() ?? '';
  return nick === '' || nick === ANONYMOUS_NICKNAME;
}
