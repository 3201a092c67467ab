import type { SandboxCore } from '../core';
import { wechatError } from '../errors';
import { randomToken } from '../ids';
import type { UserRecord } from '../user-store';
import { checkApp } from './credentials';
import { str, type Params } from './params';

/**
 * The official accounts' WeChat APIs. Every call is answered for the account
 * its access_token (or appid) belongs to, so several accounts are served on
 * the same routes, each seeing only its own openids and followers.
 */

/** `user/info/batchget`: "最多支持一次拉取100条". */
export const BATCHGET_MAX = 100;

/** The official account a token belongs to; a mini-program token gets 48001. */
function accountOf(core: SandboxCore, accessToken: string | undefined): string {
  const appid = core.tokens.appOf(accessToken);
  if (!core.accounts.has(appid)) throw wechatError('API_UNAUTHORIZED');
  return appid;
}

/**
 * One user as `cgi-bin/user/info` describes them to `appid`. A non-follower:
 * "subscribe 用户是否订阅该公众号标识，值为0时，代表此用户没有关注该公众号，拉取不到其余信息"
 * — so only `{subscribe: 0, openid, tagid_list: []}`, no unionid, as WeChat
 * answers (the shape real answers have, tagid_list included). A follower's
 * unionid "只有在用户将公众号绑定到微信开放平台账号后，才会出现该字段".
 */
function describe(core: SandboxCore, rec: UserRecord, appid: string): Record<string, unknown> {
  const f = core.users.followOf(rec, appid);
  if (!f.following) return { subscribe: 0, openid: f.openid, tagid_list: [] };
  const bound = rec.unionid !== null && core.appFaults.isBound(appid);
  const numericScene = f.scene !== null && /^\d+$/.test(f.scene);
  return {
    subscribe: 1,
    openid: f.openid,
    subscribe_time: f.subscribeTime,
    ...(bound ? { unionid: rec.unionid } : {}),
    remark: '',
    groupid: 0,
    tagid_list: [],
    subscribe_scene: f.scene !== null ? 'ADD_SCENE_QR_CODE' : 'ADD_SCENE_SEARCH',
    qr_scene: numericScene ? Number(f.scene) : 0,
    qr_scene_str: f.scene !== null && !numericScene ? f.scene : '',
  };
}

/** GET cgi-bin/user/info */
export function userInfo(core: SandboxCore, q: Params): Record<string, unknown> {
  const appid = accountOf(core, str(q, 'access_token'));
  const openid = str(q, 'openid');
  const rec = openid ? core.users.findByOaOpenid(appid, openid) : undefined;
  if (!rec) throw wechatError('INVALID_OPENID');
  return describe(core, rec, appid);
}

/** POST cgi-bin/user/info/batchget */
export function batchUserInfo(
  core: SandboxCore,
  accessToken: string | undefined,
  body: Params,
): Record<string, unknown> {
  const appid = accountOf(core, accessToken);
  const list = body.user_list;
  if (!Array.isArray(list) || list.length === 0 || list.length > BATCHGET_MAX) {
    throw wechatError('INVALID_OPENID_LIST_SIZE');
  }
  const out: Array<Record<string, unknown>> = [];
  for (const item of list as unknown[]) {
    const openid = item !== null && typeof item === 'object' ? (item as Params).openid : undefined;
    const rec = typeof openid === 'string' ? core.users.findByOaOpenid(appid, openid) : undefined;
    if (!rec) throw wechatError('INVALID_OPENID');
    out.push(describe(core, rec, appid));
  }
  return { user_info_list: out };
}

/**
 * GET cgi-bin/user/get. `next_openid` is the last openid of the page; once
 * the list is exhausted WeChat answers `count: 0`, `next_openid: ""` and no
 * `data` field at all, so clients must stop on either signal.
 */
export function userGet(core: SandboxCore, q: Params): Record<string, unknown> {
  const appid = accountOf(core, str(q, 'access_token'));
  const page = core.users.followerPage(
    appid,
    str(q, 'next_openid') ?? '',
    core.opts.userGetPageSize,
  );
  if (page === null) throw wechatError('INVALID_OPENID');
  const total = core.users.followerCount(appid);
  if (page.length === 0) return { total, count: 0, next_openid: '' };
  return { total, count: page.length, data: { openid: page }, next_openid: page[page.length - 1] };
}

/**
 * GET sns/oauth2/access_token. unionid: "只有当scope为"snsapi_userinfo"时返回";
 * is_snapshotuser: "是否为快照页模式虚拟账号，只有当用户是快照页模式虚拟账号时返回，值为1"
 * (换取用户授权凭证). On a snapshot page "开发者在快照页内所获取的头像、昵称、openId、
 * unionId 均为虚拟账号数据", so its openid and unionid are virtual ones.
 */
export function oauthAccessToken(core: SandboxCore, q: Params): Record<string, unknown> {
  const appid = checkApp(core, q, ['oa']);
  if (str(q, 'grant_type') !== 'authorization_code') throw wechatError('INVALID_GRANT_TYPE');
  const code = str(q, 'code');
  if (!code) throw wechatError('CODE_MISSING');
  const found = core.codes.lookup(code, 'oauth');
  if (found.status === 'used') throw wechatError('CODE_USED');
  if (found.status !== 'ok' || (found.record.appid ?? core.primaryAppid) !== appid) {
    throw wechatError('INVALID_CODE');
  }
  core.codes.consume(found.record);
  const rec = core.users.get(found.record.userId);
  const scope = found.record.scope ?? 'snsapi_base';
  const body: Record<string, unknown> = {
    access_token: randomToken(64),
    expires_in: 7200,
    refresh_token: randomToken(64),
    scope,
  };
  const bound = core.appFaults.isBound(appid);
  if (found.record.snapshot) {
    body.openid = `oSN${randomToken(19).slice(0, 25)}`;
    body.is_snapshotuser = 1;
    if (bound) body.unionid = `oSU${randomToken(19).slice(0, 25)}`;
  } else {
    body.openid = core.users.followOf(rec, appid).openid;
    if (scope === 'snsapi_userinfo' && bound && rec.unionid !== null) body.unionid = rec.unionid;
  }
  core.log.add(
    'api.oauth',
    `oauth2/access_token: ${rec.id}${found.record.snapshot ? ' (snapshot)' : ''}`,
  );
  return body;
}
