import type { FollowRecord, SandboxUser, UserRecord } from './user-store';

/**
 * How a user record is shown outside the store: the bare identity callers
 * hold on to, and the fuller view the control API lists (never the session key).
 */

/** A user as the control API lists it (no session key). */
export interface SandboxUserView extends SandboxUser {
  nickName: string;
  avatarUrl: string;
  gender: number;
  phone: string;
  /** The primary official account's relation (flattened for convenience). */
  following: boolean;
  subscribeTime: number | null;
  unsubscribeTime: number | null;
  scene: string | null;
  /** Every official account's relation, by appid. */
  officialAccounts: Record<string, FollowRecord>;
  blocked: boolean;
  hasSession: boolean;
}

/** The immutable identity of a user. */
export function userSnapshot(rec: UserRecord): SandboxUser {
  return {
    id: rec.id,
    miniOpenid: rec.miniOpenid,
    oaOpenid: rec.oaOpenid,
    oaOpenids: { ...rec.oaOpenids },
    unionid: rec.unionid,
  };
}

/** A user as the control API shows it; `primary` picks the flattened relation. */
export function userView(rec: UserRecord, primary: string): SandboxUserView {
  const accounts = Object.fromEntries([...rec.follows].map(([appid, f]) => [appid, { ...f }]));
  const main = accounts[primary];
  return {
    ...userSnapshot(rec),
    nickName: rec.nickName,
    avatarUrl: rec.avatarUrl,
    gender: rec.gender,
    phone: rec.phone,
    following: main?.following ?? false,
    subscribeTime: main?.subscribeTime ?? null,
    unsubscribeTime: main?.unsubscribeTime ?? null,
    scene: main?.scene ?? null,
    officialAccounts: accounts,
    blocked: rec.blocked,
    hasSession: rec.sessionKey !== null,
  };
}
