import type { PushMessage } from '@wxlink/contracts/node';
import type { AppDeps } from '../../deps';
import {
  applyChangeToFollower,
  applyEventToFollower,
  type FollowerRecord,
} from '../followers/store';
import type { FollowerChange } from '../followers/reduce';

/**
 * What to do with each type of stored push: THE place to add a handler.
 *
 * The registry is typed by the parser's union (contracts `PushMessage`
 * `type`), so a handler for a type the parser does not produce (`click`) is
 * a compile error, and each handler receives the stored form of exactly its
 * push type. A type without a handler is counted and logged as unhandled
 * (status `ignored`), see processor.ts. Adding an event type is documented in
 * docs/official-account.md.
 *
 * Handlers run after WeChat has had its `success`, possibly more than once
 * (retries, an expired lease), possibly out of order and on several instances
 * at once: they must be idempotent and order-independent. Throwing makes the
 * processor retry with backoff.
 */
export type PushType = PushMessage['type'];
/** A push as the inbox stores it (intake: its raw fields as one JSON string). */
export type StoredPush<T extends PushType> = Omit<Extract<PushMessage, { type: T }>, 'raw'> & {
  raw: string;
};
/** What a handler gets: the inbox item of one push type. */
export interface HandlerItem<T extends PushType = PushType> {
  appid: string;
  type: T;
  openid: string;
  createTime: number;
  payload: StoredPush<T>;
}
/** `forgetFollower`: erase retention asks the processor to delete this follower's processed entries. */
export type HandlerOutcome = { forgetFollower: boolean };
/** The dependencies handlers may use. */
export type HandlerDeps = Pick<AppDeps, 'models' | 'clock' | 'wechat' | 'logger' | 'config'>;
/** Handles one push type. */
export type InboxHandler<T extends PushType> = (
  deps: HandlerDeps,
  item: HandlerItem<T>,
) => Promise<HandlerOutcome>;
/** One optional handler per push type the parser produces, and no other key. */
export type HandlerRegistry = { readonly [T in PushType]?: InboxHandler<T> };

export const PUSH_HANDLERS = {
  subscribe: (deps, item) => recordFollow(deps, item, 'subscribe', item.payload.scene ?? null),
  // 扫描带参数二维码事件 "用户已关注时的事件推送": EventKey is the bare scene value.
  scan: (deps, item) => recordFollow(deps, item, 'scan', item.payload.eventKey ?? null),
  unsubscribe: handleUnsubscribe,
} satisfies HandlerRegistry;

/** The handler registered for `type`, if any. */
export function handlerFor<T extends PushType>(type: T): InboxHandler<T> | undefined {
  const registry: HandlerRegistry = PUSH_HANDLERS;
  return Object.hasOwn(registry, type) ? registry[type] : undefined;
}

const erasing = (deps: HandlerDeps, state: FollowerRecord): boolean =>
  deps.config.linkage.followerRetention === 'erase' && !state.subscribed;

/**
 * A follow (subscribe, or SCAN: only a current follower can send it). The
 * state is recorded first, so the follow counts even while WeChat is down;
 * the unionid then comes from cgi-bin/user/info. If that call fails the
 * handler throws and the retry fills it in (re-applying is a no-op). WeChat
 * answers a non-follower (e.g. unfollowed before we got here) without a
 * unionid ("值为0时，代表此用户没有关注该公众号，拉取不到其余信息"): the lookup is
 * answered, nothing to link, no retry. The unionid write starts from the
 * document the first write stored (its version guards it), so a follow reads
 * the follower once unless someone else wrote it meanwhile.
 */
async function recordFollow(
  deps: HandlerDeps,
  item: HandlerItem<'subscribe' | 'scan'>,
  kind: 'subscribe' | 'scan',
  scene: string | null,
): Promise<HandlerOutcome> {
  const ref = { appid: item.appid, openid: item.openid };
  const change: FollowerChange = { kind, at: item.createTime, scene };
  const { record: state, stored } = await applyChangeToFollower(deps, ref, change, 'event');
  if (state.unionid !== null || !state.subscribed) {
    return { forgetFollower: erasing(deps, state) };
  }
  const info = await deps.wechat.officialAccount(item.appid).getFollowerInfo(item.openid);
  const unionid = info.unionid !== undefined && info.unionid !== '' ? info.unionid : null;
  if (unionid === null) {
    deps.logger.info(
      { type: item.type, following: info.subscribed },
      'user/info gave no unionid (not following any more, or account not bound to Open Platform)',
    );
  }
  // An older event only fills the missing unionid; it never changes `subscribed`.
  const after = await applyChangeToFollower(
    deps,
    ref,
    { ...change, unionid },
    { source: 'event', lookedUp: true },
    stored,
  );
  return { forgetFollower: erasing(deps, after.record) };
}

/** Unfollow: carries no unionid; with erase retention only the tombstone stays. */
async function handleUnsubscribe(
  deps: HandlerDeps,
  item: HandlerItem<'unsubscribe'>,
): Promise<HandlerOutcome> {
  const state = await applyEventToFollower(
    deps,
    { appid: item.appid, openid: item.openid },
    { kind: 'unsubscribe', at: item.createTime },
    'event',
  );
  return { forgetFollower: erasing(deps, state) };
}
