import { applyFollowerEvent, type FollowerEvent, type FollowerState } from '@wxlink/contracts';
import type { FollowerRetention } from '../../config/linkage';

/**
 * The server's follower reducer: contracts' `applyFollowerEvent` plus the two
 * rules that depend on the server, pure so they can be tested alone.
 *
 * - SCAN ("用户已关注时的事件推送": only a current follower can send it) is
 *   evidence that the user follows at its CreateTime: it applies like a
 *   subscribe, but a follower already subscribed keeps the time they followed.
 * - `erase` retention: a state that is not subscribed is reduced to the
 *   tombstone (subscribed=false, stateAt, unsubscribedAt); unionid, scene and
 *   the follow time are dropped. WeChat: "为保护用户数据隐私，开发者收到用户取消关注
 *   事件时需要删除该用户的所有信息". The tombstone only orders late events.
 */
export type FollowerChange =
  FollowerEvent | { kind: 'scan'; at: number; unionid?: string | null; scene?: string | null };

/** How long an erased follower's tombstone orders late events (DESIGN: 7 days). */
export const TOMBSTONE_TTL_SECONDS = 7 * 86_400;

/** Only what the tombstone keeps: the unfollow's CreateTime. */
function tombstoneOf(state: FollowerState): FollowerState {
  return {
    subscribed: false,
    stateAt: state.stateAt,
    unionid: null,
    subscribedAt: null,
    unsubscribedAt: state.unsubscribedAt ?? state.stateAt,
    scene: null,
  };
}

/**
 * Whether a stored follower is a tombstone written more than 7 days before
 * `now` (then it counts as absent). Counted from when the unfollow was
 * recorded, not its CreateTime, so an unfollow processed late still orders
 * the events that follow it for the full 7 days.
 */
export function isExpiredTombstone(
  doc: { subscribed: boolean; updatedAt: Date },
  now: Date,
  retention: FollowerRetention,
): boolean {
  return (
    retention === 'erase' &&
    !doc.subscribed &&
    doc.updatedAt.getTime() + TOMBSTONE_TTL_SECONDS * 1000 <= now.getTime()
  );
}

/** Applies one change; see the module comment for the server's rules. */
export function reduceFollower(
  prev: FollowerState | null,
  change: FollowerChange,
  retention: FollowerRetention,
): FollowerState {
  const event: FollowerEvent = change.kind === 'scan' ? { ...change, kind: 'subscribe' } : change;
  let next = applyFollowerEvent(prev, event);
  if (change.kind === 'scan' && prev?.subscribed === true && next.subscribed) {
    next = { ...next, subscribedAt: prev.subscribedAt };
  }
  return retention === 'erase' && !next.subscribed ? tombstoneOf(next) : next;
}
