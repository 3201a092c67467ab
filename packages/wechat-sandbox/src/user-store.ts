import { SandboxError } from './errors';
import type { CreateUserOptions } from './user-options';
import { checkUserOptions, followedAppids } from './user-options';
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
  /** The openid under the primary official account. */
  oaOpenid: string;
  /** The openid under each hosted official account, by appid. */
  oaOpenids: Record<string, string>;
  unionid: string | null;
}

/** A user's relation with one official account. */
export interface FollowRecord {
  openid: string;
  following: boolean;
  subscribeTime: number | null;
  unsubscribeTime: number | null;
  scene: string | null;
}

/** The store's full, mutable record of a user; never handed out as is. */
export interface UserRecord extends SandboxUser {
  /** Position in creation order (the follower-list order of every account). */
  index: number;
  nickName: string;
  avatarUrl: string;
  gender: 0 | 1 | 2;
  phone: string;
  countryCode: string;
  /** Relation with each official account, by appid. */
  follows: Map<string, FollowRecord>;
  blocked: boolean;
  sessionKey: string | null;
  /** jscode2session call times (ms) within the last minute, for 45011. */
  recentLogins: number[];
}

/** Anything naming a user: the object, its id, or one of its openids/unionid. */
export type UserRef = SandboxUser | string;

const DEFAULT_AVATAR = 'https://thirdwx.qlogo.cn/mmopen/vi_32/sandbox-avatar/132';

/** One official account as the store sees it: its appid and openid prefix. */
export interface AccountSlot {
  appid: string;
  /** 3-char openid prefix, distinct per account. */
  prefix: string;
}

/** The sandbox's people, indexed by id, every openid and unionid. */
export class UserStore {
  private readonly byId = new Map<string, UserRecord>();
  private readonly byOpenid = new Map<string, UserRecord>();
  /** Users in creation order: every account's follower-list order. */
  private readonly order: UserRecord[] = [];
  private readonly followers = new Map<string, number>();

  constructor(
    private readonly ids: IdFactory,
    private readonly nowSeconds: () => number,
    private readonly accounts: readonly AccountSlot[],
  ) {
    for (const a of accounts) this.followers.set(a.appid, 0);
  }

  private get primary(): string {
    return this.accounts[0]?.appid ?? '';
  }

  create(opts: CreateUserOptions = {}): UserRecord {
    checkUserOptions(opts);
    const followed = followedAppids(opts, this.primary);
    for (const appid of followed) {
      if (!this.followers.has(appid)) {
        throw new SandboxError('UNKNOWN_ACCOUNT', `no official account ${appid} in the sandbox`);
      }
    }
    const seq = this.ids.nextSeq();
    const unionid =
      opts.unionid === null ? null : (opts.unionid ?? this.ids.openidLike('oUN', seq));
    if (unionid !== null && this.byOpenid.has(unionid)) {
      throw new SandboxError('INVALID_OPTION', `unionid ${unionid} is already taken`);
    }
    const follows = new Map<string, FollowRecord>();
    const oaOpenids: Record<string, string> = {};
    const subscribeTime = opts.subscribeTime ?? this.nowSeconds();
    for (const a of this.accounts) {
      const following = followed.includes(a.appid);
      const openid = this.ids.openidLike(a.prefix, seq);
      oaOpenids[a.appid] = openid;
      follows.set(a.appid, {
        openid,
        following,
        subscribeTime: following ? subscribeTime : null,
        unsubscribeTime: null,
        scene: following ? (opts.scene ?? null) : null,
      });
      if (following) this.followers.set(a.appid, (this.followers.get(a.appid) ?? 0) + 1);
    }
    const rec: UserRecord = {
      id: `u${seq}`,
      index: this.order.length,
      miniOpenid: this.ids.openidLike('oMP', seq),
      oaOpenid: oaOpenids[this.primary] ?? '',
      oaOpenids,
      unionid,
      nickName: opts.nickName ?? `沙盒用户${seq}`,
      avatarUrl: opts.avatarUrl ?? DEFAULT_AVATAR,
      gender: opts.gender ?? 0,
      phone: opts.phone ?? `138${String(seq % 100_000_000).padStart(8, '0')}`,
      countryCode: opts.countryCode ?? '86',
      follows,
      blocked: opts.blocked === true,
      sessionKey: null,
      recentLogins: [],
    };
    this.index(rec);
    return rec;
  }

  private index(rec: UserRecord): void {
    this.byId.set(rec.id, rec);
    this.byOpenid.set(rec.miniOpenid, rec);
    for (const f of rec.follows.values()) this.byOpenid.set(f.openid, rec);
    if (rec.unionid !== null) this.byOpenid.set(rec.unionid, rec);
    this.order.push(rec);
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

  /** The user behind `openid` under official account `appid`, if any. */
  findByOaOpenid(appid: string, openid: string): UserRecord | undefined {
    const rec = this.byOpenid.get(openid);
    return rec && rec.follows.get(appid)?.openid === openid ? rec : undefined;
  }

  /** The user's relation with `appid` (throws for an account the sandbox does not host). */
  followOf(rec: UserRecord, appid: string): FollowRecord {
    const f = rec.follows.get(appid);
    if (!f)
      throw new SandboxError('UNKNOWN_ACCOUNT', `no official account ${appid} in the sandbox`);
    return f;
  }

  count(): number {
    return this.byId.size;
  }

  followerCount(appid: string = this.primary): number {
    return this.followers.get(appid) ?? 0;
  }

  list(offset: number, limit: number): UserRecord[] {
    return this.order.slice(offset, offset + limit);
  }

  /** A fresh session_key; WeChat replaces it whenever a login code is produced. */
  rotateSessionKey(rec: UserRecord): string {
    rec.sessionKey = newSessionKey();
    return rec.sessionKey;
  }

  /** The current key, creating one if the user never had a session. */
  currentSessionKey(rec: UserRecord): string {
    return rec.sessionKey ?? this.rotateSessionKey(rec);
  }

  /** Records a follow (with its time and scene) or an unfollow of `appid`. */
  setFollowing(
    rec: UserRecord,
    appid: string,
    following: boolean,
    at: number,
    scene: string | null,
  ): void {
    const f = this.followOf(rec, appid);
    const delta = following === f.following ? 0 : following ? 1 : -1;
    this.followers.set(appid, (this.followers.get(appid) ?? 0) + delta);
    f.following = following;
    if (following) {
      f.subscribeTime = at;
      f.scene = scene;
    } else {
      f.unsubscribeTime = at;
    }
  }

  /**
   * One page of `cgi-bin/user/get` for `appid`: followers after `nextOpenid`
   * in list order. Returns null when `nextOpenid` names no user of the account.
   */
  followerPage(appid: string, nextOpenid: string, pageSize: number): string[] | null {
    let start = 0;
    if (nextOpenid !== '') {
      const rec = this.findByOaOpenid(appid, nextOpenid);
      if (!rec) return null;
      start = rec.index + 1;
    }
    const page: string[] = [];
    for (let i = start; i < this.order.length && page.length < pageSize; i += 1) {
      const f = this.order[i]?.follows.get(appid);
      if (f?.following) page.push(f.openid);
    }
    return page;
  }
}
