import type { AppDeps } from '../../deps';
import type { InboxItem } from './inbox.model';
import { applyEventToFollower } from '../followers/store';

/**
 * What to do with each kind of stored push: THE place to add a handler.
 * Keys are the contracts PushMessage `type` (subscribe, unsubscribe, scan,
 * message, unknown). A type without a handler is acknowledged and marked done.
 *
 * Handlers run after WeChat has had its `success`, possibly more than once
 * (retries, an expired lease), possibly out of order and on several instances
 * at once: they must be idempotent and order-independent. Throwing makes the
 * processor retry with backoff.
 */
export type HandlerDeps = Pick<AppDeps, 'models' | 'clock' | 'wechat' | 'logger'>;
export type InboxHandler = (deps: HandlerDeps, item: HandlerItem) => Promise<void>;
export type HandlerItem = Pick<InboxItem, 'appid' | 'type' | 'openid' | 'createTime' | 'payload'>;

export const EVENT_HANDLERS: Readonly<Partial<Record<string, InboxHandler>>> = {
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
};

export function handlerFor(type: string): InboxHandler | undefined {
  return Object.hasOwn(EVENT_HANDLERS, type) ? EVENT_HANDLERS[type] : undefined;
}

/**
 * Follow (plain or through a QR scene). The state is recorded first, so the
 * follow counts even while WeChat is down; the unionid then comes from
 * cgi-bin/user/info. If that call fails the handler throws and the retry
 * fills the unionid in (re-applying the same event is a no-op).
 */
async function handleSubscribe(deps: HandlerDeps, item: HandlerItem): Promise<void> {
  const ref = { appid: item.appid, openid: item.openid };
  const scene = typeof item.payload.scene === 'string' ? item.payload.scene : null;
  const event = { kind: 'subscribe' as const, at: item.createTime, scene };
  const state = await applyEventToFollower(deps, ref, event, 'event');
  if (state.unionid !== null) return;

  const info = await deps.wechat.officialAccount(item.appid).getFollowerInfo(item.openid);
  if (info.unionid === undefined || info.unionid === '') {
    // Not bound to an Open Platform account, or already gone again: nothing to link yet.
    deps.logger.info(
      { type: item.type },
      'follower has no unionid (account not bound to Open Platform?)',
    );
    return;
  }
  // An older event only fills the missing unionid; it never changes `subscribed`.
  await applyEventToFollower(deps, ref, { ...event, unionid: info.unionid }, 'event');
}

/** Unfollow: carries no unionid; the reducer keeps the one already known. */
async function handleUnsubscribe(deps: HandlerDeps, item: HandlerItem): Promise<void> {
  await applyEventToFollower(
    deps,
    { appid: item.appid, openid: item.openid },
    { kind: 'unsubscribe', at: item.createTime },
    'event',
  );
}
