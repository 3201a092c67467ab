import type { z } from 'zod';
import { BatchGetResponse, FollowerInfoResponse, OAuthResponse, UserGetResponse } from './schemas';
import type { WechatTransport } from './transport';
import type { FollowerInfo, FollowerPage, OAuthIdentity, OfficialAccountApi } from './types';

/** WeChat caps cgi-bin/user/info/batchget at 100 openids per call. */
export const BATCHGET_MAX = 100;

/** One official account's WeChat APIs over the shared transport. */
export function createOfficialAccountApi(
  transport: WechatTransport,
  appid: string,
): OfficialAccountApi {
  return {
    appid,
    getFollowerInfo: async (openid) =>
      toFollower(
        await transport.callWithToken(appid, {
          api: 'userInfo',
          method: 'GET',
          path: 'cgi-bin/user/info',
          query: { openid, lang: 'zh_CN' },
          schema: FollowerInfoResponse,
        }),
      ),
    batchGetFollowerInfo: (openids) => batchGet(transport, appid, openids),
    listFollowers: (nextOpenid) => listFollowers(transport, appid, nextOpenid),
    exchangeOAuthCode: (code) => exchangeOAuthCode(transport, appid, code),
  };
}

/**
 * A user/info answer as a FollowerInfo. A non-follower's answer carries
 * nothing but openid and subscribe=0, and is read as exactly that.
 */
export function toFollower(u: z.output<typeof FollowerInfoResponse>): FollowerInfo {
  const info: FollowerInfo = { openid: u.openid, subscribed: u.subscribe === 1 };
  if (u.unionid) info.unionid = u.unionid;
  if (u.subscribe === 1 && u.subscribe_time !== undefined) info.subscribeTime = u.subscribe_time;
  if (u.subscribe_scene) info.subscribeScene = u.subscribe_scene;
  if (u.qr_scene_str) info.qrScene = u.qr_scene_str;
  return info;
}

async function batchGet(
  transport: WechatTransport,
  appid: string,
  openids: readonly string[],
): Promise<FollowerInfo[]> {
  if (openids.length === 0) return [];
  if (openids.length > BATCHGET_MAX) {
    throw new RangeError(`batchget takes at most ${BATCHGET_MAX} openids`);
  }
  const res = await transport.callWithToken(appid, {
    api: 'userInfo',
    method: 'POST',
    path: 'cgi-bin/user/info/batchget',
    body: { user_list: openids.map((openid) => ({ openid, lang: 'zh_CN' })) },
    schema: BatchGetResponse,
  });
  return res.user_info_list.map(toFollower);
}

async function listFollowers(
  transport: WechatTransport,
  appid: string,
  nextOpenid?: string,
): Promise<FollowerPage> {
  const res = await transport.callWithToken(appid, {
    api: 'userGet',
    method: 'GET',
    path: 'cgi-bin/user/get',
    query: nextOpenid ? { next_openid: nextOpenid } : {},
    schema: UserGetResponse,
  });
  const openids = res.data?.openid ?? [];
  return {
    total: res.total,
    openids,
    // WeChat repeats the last openid as next_openid even on the last page;
    // an empty page (count 0) is the real end.
    nextOpenid: res.count === 0 || openids.length === 0 ? '' : (res.next_openid ?? ''),
  };
}

async function exchangeOAuthCode(
  transport: WechatTransport,
  appid: string,
  code: string,
): Promise<OAuthIdentity> {
  const res = await transport.call({
    api: 'oauthAccessToken',
    method: 'GET',
    path: 'sns/oauth2/access_token',
    query: { appid, secret: transport.secretOf(appid), code, grant_type: 'authorization_code' },
    schema: OAuthResponse,
  });
  const identity: OAuthIdentity = { openid: res.openid, isSnapshotUser: res.is_snapshotuser === 1 };
  if (res.unionid) identity.unionid = res.unionid;
  return identity;
}
