import type { AccountState, SandboxCore } from '../core';
import { SandboxError } from '../errors';
import { followEventFields } from '../event-xml';
import type { FollowEvent, XmlFields } from '../event-xml';
import { randomToken } from '../ids';
import { deliver, isPushMode, preparePush } from '../pusher';
import type { PushOptions, PushResult, PushTarget } from '../pusher';
import { checkScene } from '../user-options';
import type { UserRef } from '../user-store';

/**
 * Follower changes and the pushes WeChat sends for them, per official
 * account ("关注/取消关注事件", "扫描带参数二维码事件"):
 *
 * - a non-follower following: `subscribe`, with `qrscene_<scene>` and a
 *   Ticket only when through a QR code;
 * - a follower scanning a QR code: `SCAN` ("如果用户已经关注公众号，则微信会将带场景值
 *   扫描事件推送给开发者"), no state change;
 * - a follower unfollowing: `unsubscribe`. A follower following again without
 *   a QR code, or a non-follower unfollowing, changes nothing and pushes
 *   nothing: WeChat has no such event.
 */

export interface FollowOptions {
  /** CreateTime (unix seconds); default now. */
  at?: number;
  /** QR scene: a subscribe carries `qrscene_<scene>`; a follower's scan pushes SCAN. */
  scene?: string;
  /**
   * false: change state only, as when WeChat gave up on delivery. Default:
   * push when the account has a push target.
   */
  push?: boolean;
  /** The official account; default the primary. */
  appid?: string;
}

/** What a follow/unfollow call did. */
export interface FollowChange {
  /** The event WeChat would push, or null when nothing happened. */
  event: FollowEvent | null;
  fields: XmlFields | null;
}

function checkAt(at: number): void {
  if (!Number.isInteger(at) || at < 0) {
    throw new SandboxError('INVALID_OPTION', 'at must be unix seconds');
  }
}

function ticketFor(account: AccountState, scene: string): string {
  let ticket = account.tickets.get(scene);
  if (ticket === undefined) {
    ticket = randomToken(48);
    account.tickets.set(scene, ticket);
  }
  return ticket;
}

/** Applies a follow (`following`) or unfollow to the state; returns the event to push. */
export function changeFollowing(
  core: SandboxCore,
  ref: UserRef,
  following: boolean,
  opts: FollowOptions = {},
): FollowChange {
  const rec = core.users.get(ref);
  const account = core.account(opts.appid);
  const appid = account.config.appid;
  const at = opts.at ?? core.nowSeconds();
  checkAt(at);
  if (opts.scene !== undefined) checkScene(opts.scene);
  const scene = following ? (opts.scene ?? null) : null;
  const current = core.users.followOf(rec, appid);
  let event: FollowEvent | null;
  if (following) event = current.following ? (scene ? 'SCAN' : null) : 'subscribe';
  else event = current.following ? 'unsubscribe' : null;
  if (event === 'subscribe' || event === 'unsubscribe') {
    core.users.setFollowing(rec, appid, following, at, scene);
  }
  const what = event ?? (following ? 'follow (already following)' : 'unfollow (not following)');
  core.log.add(
    event === 'unsubscribe' ? 'unfollow' : 'follow',
    `${rec.id} ${what} on ${appid} at ${at}${scene ? ` (scene ${scene})` : ''}${event ? '' : ': nothing to push'}`,
  );
  if (event === null) return { event, fields: null };
  const fields = followEventFields({
    toUserName: account.config.originalId,
    openid: current.openid,
    createTime: at,
    event,
    scene,
    ticket: scene ? ticketFor(account, scene) : undefined,
  });
  return { event, fields };
}

/** Changes follower state and pushes the event to the account's target (when set). */
export async function follow(
  core: SandboxCore,
  ref: UserRef,
  following: boolean,
  opts: FollowOptions = {},
): Promise<PushResult | null> {
  const change = changeFollowing(core, ref, following, opts);
  const account = core.account(opts.appid);
  if (change.fields === null || opts.push === false || account.pushTarget === null) return null;
  return push(core, change.fields, { appid: account.config.appid });
}

/** Sets (or clears with null) where an account's pushes go. */
export function setPushTarget(core: SandboxCore, target: PushTarget | null, appid?: string): void {
  const account = core.account(appid);
  if (target !== null) {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      throw new SandboxError('INVALID_OPTION', `push target url is not a URL: ${target.url}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SandboxError('INVALID_OPTION', 'push target url must be http(s)');
    }
    if (!isPushMode(target.mode)) {
      throw new SandboxError('INVALID_OPTION', 'push mode must be plain, compat or safe');
    }
  }
  account.pushTarget = target === null ? null : { url: target.url, mode: target.mode };
  core.log.add(
    'push.target',
    `${account.config.appid}: ${target ? `push target ${target.url} (${target.mode})` : 'push target cleared'}`,
  );
}

/** Signs and delivers one push of an account with WeChat's policy. */
export async function push(
  core: SandboxCore,
  fields: XmlFields,
  opts: PushOptions & { appid?: string } = {},
): Promise<PushResult> {
  const account = core.account(opts.appid);
  const url = opts.url ?? account.pushTarget?.url;
  if (!url) throw new SandboxError('NO_PUSH_TARGET', 'no push target set and no url given');
  const mode = opts.mode ?? account.pushTarget?.mode ?? 'plain';
  const { appid, token, encodingAesKey } = account.config;
  const prepared = preparePush(
    fields,
    { url, mode },
    { appid, token, encodingAesKey, nowSeconds: () => core.nowSeconds() },
  );
  core.pushes += 1;
  const result = await deliver(prepared, {
    timeoutMs: opts.timeoutMs ?? core.opts.pushTimeoutMs,
    attempts: opts.attempts ?? core.opts.pushAttempts,
  });
  core.pushAttempts += result.attempts.length;
  const what = `${String(fields.MsgType ?? '?')}/${String(fields.Event ?? '')}`;
  const last = result.attempts[result.attempts.length - 1];
  core.log.add(
    'push',
    `push ${what} of ${appid} → ${url} (${mode}): ${result.outcome} after ${result.attempts.length} attempt(s)${last && !result.delivered ? `; last: ${last.error ?? `HTTP ${last.status}`}` : ''}`,
  );
  return result;
}
