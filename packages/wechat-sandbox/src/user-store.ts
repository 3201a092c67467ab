import { SandboxError } from './errors';
import type { IdFactory } from './ids';
import { newSessionKey } from './ids';

/**
 * The sandbox's people. Each user has an openid per app (mini-program and
 * official account), a unionid when "bound to the open platform", a
 * session_key for the mini-program, and a follower state for the official
 * account.
 */

/** What callers get back: enough to drive the flows, nothing mutable. */
export interface SandboxUser {
  id: string;
  miniOpenid: string;
  oaOpenid: string;
  unionid: string | null;
}

export interface CreateUserOptions {
  /** Default: generated. `null`: the user is not bound to the open platform. */
  unionid?: string | null;
  nickName?: string;
  avatarUrl?: string;
  /** 0 unknown, 1 male, 2 female (getUserInfo's convention). */
  gender?: 0 | 1 | 2;
  /** Pure phone number (digits). Default: a generated 138xxxxxxxx number. */
  phone?: string;
  /** Default `86`. */
  countryCode?: string;
  /** Already follows the official account. Default false. */
  following?: boolean;
  /** subscribe_time (unix seconds) when `following`; default now. */
  subscribeTime?: number;
  /** QR scene the user followed through, if any. */
  scene?: string;
  /** A high-risk user: code2Session answers 40226. */
  blocked?: boolean;
}

export interface UserRecord extends SandboxUser {
  seq: number;
  nickName: string;
  avatarUrl: string;
  gender: 0 | 1 | 2;
  phone: string;
  countryCode: string;
  following: boolean;
  subscribeTime: number | null;
  unsubscribeTime: number | null;
  scene: string | null;
  blocked: boolean;
  sessionKey: string | null;
  /** jscode2session call times (ms) within the last minute, for 45011. */
  recentLogins: number[];
}

/** A user as the control API lists it (no session key). */
export interface UserView extends SandboxUser {
  nickName: string;
  avatarUrl: string;
  gender: number;
  phone: string;
  following: boolean;
  subscribeTime: number | null;
  unsubscribeTime: number | null;
  scene: string | null;
  blocked: boolean;
  hasSession: boolean;
}

/** Anything naming a user: the object, its id, or one of its openids/unionid. */
export type UserRef = SandboxUser | string;

const DEFAULT_AVATAR = 'https://thirdwx.qlogo.cn/mmopen/vi_32/sandbox-avatar/132';

/** A QR scene value (without the `qrscene_` prefix), as createUser and follow accept it. */
export function checkScene(scene: string): void {
  if (!/^[A-Za-z0-9_\-.]{1,64}$/.test(scene)) {
    throw new SandboxError('INVALID_OPTION', 'scene must be 1-64 characters [A-Za-z0-9_-.]');
  }
}

function checkOptions(opts: CreateUserOptions): void {
  const bad = (msg: string): never => {
    throw new SandboxError('INVALID_OPTION', msg);
  };
  if (opts.unionid !== undefined && opts.unionid !== null) {
    if (typeof opts.unionid !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(opts.unionid)) {
      bad('unionid must be 1-64 characters [A-Za-z0-9_-] or null');
    }
  }
  if (
    opts.nickName !== undefined &&
    (typeof opts.nickName !== 'string' || opts.nickName.length > 64)
  ) {
    bad('nickName must be a string of at most 64 characters');
  }
  if (opts.avatarUrl !== undefined && typeof opts.avatarUrl !== 'string') {
    bad('avatarUrl must be a string');
  }
  if (opts.gender !== undefined && ![0, 1, 2].includes(opts.gender))
    bad('gender must be 0, 1 or 2');
  if (opts.phone !== undefined && !/^\d{5,20}$/.test(String(opts.phone))) {
    bad('phone must be 5-20 digits');
  }
  if (opts.countryCode !== undefined && !/^\d{1,4}$/.test(String(opts.countryCode))) {
    bad('countryCode must be 1-4 digits');
  }
  if (
    opts.subscribeTime !== undefined &&
    (!Number.isInteger(opts.subscribeTime) || opts.subscribeTime < 0)
  ) {
    bad('subscribeTime must be a non-negative integer (unix seconds)');
  }
  if (opts.scene !== undefined) checkScene(String(opts.scene));
}

export class UserStore {
  private readonly byId = new Map<string, UserRecord>();
  private readonly byOpenid = new Map<string, UserRecord>();
  /** Official-account openids in follow-list order (creation order). */
  private readonly oaOrder: string[] = [];
  private readonly oaIndex = new Map<string, number>();
  private followers = 0;

  constructor(
    private readonly ids: IdFactory,
    private readonly nowSeconds: () => number,
  ) {}

  create(opts: CreateUserOptions = {}): UserRecord {
    checkOptions(opts);
    const seq = this.ids.nextSeq();
    const following = opts.following === true;
    const unionid =
      opts.unionid === null ? null : (opts.unionid ?? this.ids.openidLike('oUN', seq));
    if (unionid !== null && this.byOpenid.has(unionid)) {
      throw new SandboxError('INVALID_OPTION', `unionid ${unionid} is already taken`);
    }
    const rec: UserRecord = {
      id: `u${seq}`,
      seq,
      miniOpenid: this.ids.openidLike('oMP', seq),
      oaOpenid: this.ids.openidLike('oOA', seq),
      unionid,
      nickName: opts.nickName ?? `沙盒用户${seq}`,
      avatarUrl: opts.avatarUrl ?? DEFAULT_AVATAR,
      gender: opts.gender ?? 0,
      phone: opts.phone ?? `138${String(seq % 100_000_000).padStart(8, '0')}`,
      countryCode: opts.countryCode ?? '86',
      following,
      subscribeTime: following ? (opts.subscribeTime ?? this.nowSeconds()) : null,
      unsubscribeTime: null,
      scene: following ? (opts.scene ?? null) : null,
      blocked: opts.blocked === true,
      sessionKey: null,
      recentLogins: [],
    };
    this.byId.set(rec.id, rec);
    this.byOpenid.set(rec.miniOpenid, rec);
    this.byOpenid.set(rec.oaOpenid, rec);
    if (unionid !== null) this.byOpenid.set(unionid, rec);
    this.oaIndex.set(rec.oaOpenid, this.oaOrder.length);
    this.oaOrder.push(rec.oaOpenid);
    if (following) this.followers += 1;
    return rec;
  }

  get(ref: UserRef): UserRecord {
    const key = typeof ref === 'string' ? ref : ref.id;
    const rec = this.byId.get(key) ?? this.byOpenid.get(key);
    if (!rec) throw new SandboxError('UNKNOWN_USER', `no sandbox user ${key}`);
    return rec;
  }

  findByMiniOpenid(openid: string): UserRecord | undefined {
    const rec = this.byOpenid.get(openid);
    return rec && rec.miniOpenid === openid ? rec : undefined;
  }

  findByOaOpenid(openid: string): UserRecord | undefined {
    const rec = this.byOpenid.get(openid);
    return rec && rec.oaOpenid === openid ? rec : undefined;
  }

  count(): number {
    return this.byId.size;
  }

  followerCount(): number {
    return this.followers;
  }

  list(offset: number, limit: number): UserRecord[] {
    const out: UserRecord[] = [];
    let i = 0;
    for (const rec of this.byId.values()) {
      if (i >= offset + limit) break;
      if (i >= offset) out.push(rec);
      i += 1;
    }
    return out;
  }

  /** WeChat replaces the session_key whenever a login code is produced. */
  rotateSessionKey(rec: UserRecord): string {
    rec.sessionKey = newSessionKey();
    return rec.sessionKey;
  }

  /** The current key, creating one if the user never had a session. */
  currentSessionKey(rec: UserRecord): string {
    return rec.sessionKey ?? this.rotateSessionKey(rec);
  }

  setFollowing(rec: UserRecord, following: boolean, at: number, scene: string | null): void {
    if (following && !rec.following) this.followers += 1;
    if (!following && rec.following) this.followers -= 1;
    rec.following = following;
    if (following) {
      rec.subscribeTime = at;
      rec.scene = scene;
    } else {
      rec.unsubscribeTime = at;
    }
  }

  /**
   * One page of `cgi-bin/user/get`: followers after `nextOpenid` in list
   * order. Returns null when `nextOpenid` names no user of the account.
   */
  followerPage(nextOpenid: string, pageSize: number): string[] | null {
    let start = 0;
    if (nextOpenid !== '') {
      const idx = this.oaIndex.get(nextOpenid);
      if (idx === undefined) return null;
      start = idx + 1;
    }
    const page: string[] = [];
    for (let i = start; i < this.oaOrder.length && page.length < pageSize; i += 1) {
      const openid = this.oaOrder[i];
      if (openid !== undefined && this.byOpenid.get(openid)?.following) page.push(openid);
    }
    return page;
  }

  static snapshot(rec: UserRecord): SandboxUser {
    return { id: rec.id, miniOpenid: rec.miniOpenid, oaOpenid: rec.oaOpenid, unionid: rec.unionid };
  }

  static view(rec: UserRecord): UserView {
    return {
      ...UserStore.snapshot(rec),
      nickName: rec.nickName,
      avatarUrl: rec.avatarUrl,
      gender: rec.gender,
      phone: rec.phone,
      following: rec.following,
      subscribeTime: rec.subscribeTime,
      unsubscribeTime: rec.unsubscribeTime,
      scene: rec.scene,
      blocked: rec.blocked,
      hasSession: rec.sessionKey !== null,
    };
  }
}
