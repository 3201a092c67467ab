import { timingSafeEqual } from 'node:crypto';
import { CodeStore } from './code-store';
import type { SandboxConfig } from './config';
import { SandboxError, wechatError } from './errors';
import { EventLog } from './event-log';
import type { SandboxEvent } from './event-log';
import { followEventFields } from './event-xml';
import type { XmlFields } from './event-xml';
import { FaultTable } from './faults';
import type { FaultSpec } from './faults';
import { IdFactory, randomToken } from './ids';
import { deliver, preparePush } from './pusher';
import type { PushOptions, PushResult, PushTarget } from './pusher';
import { TokenStore } from './token-store';
import type { IssuedToken } from './token-store';
import { UserStore, checkScene } from './user-store';
import type { CreateUserOptions, SandboxUser, UserRecord, UserRef, UserView } from './user-store';
import { encryptUserData, sessionSignature, signRawData } from './wechat-crypto';

/**
 * The sandbox's behaviour, independent of HTTP: the WeChat APIs (throwing
 * `WechatApiError` exactly where WeChat answers an errcode) and the control
 * operations tests and the CLI use. `sandbox.ts` puts an HTTP server on top.
 */

export const WECHAT_ROUTES = [
  'sns/jscode2session',
  'cgi-bin/token',
  'cgi-bin/stable_token',
  'cgi-bin/user/info',
  'cgi-bin/user/info/batchget',
  'cgi-bin/user/get',
  'wxa/checksession',
  'wxa/business/getuserphonenumber',
  'sns/oauth2/access_token',
] as const;

export type WechatRoute = (typeof WECHAT_ROUTES)[number];

/** WeChat's page size for `cgi-bin/user/get`. */
export const USER_GET_MAX_PAGE = 10_000;
/** code2Session: "频率限制，每个用户每分钟 100 次". */
export const LOGIN_RATE_PER_MINUTE = 100;
/** `user/info/batchget`: "最多支持一次拉取100条". */
export const BATCHGET_MAX = 100;

/** What modern WeChat returns instead of a real profile. */
export const ANONYMOUS_PROFILE = {
  nickName: '微信用户',
  avatarUrl:
    'https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132',
};

export interface CoreOptions {
  now: () => number;
  userGetPageSize: number;
  acceptUnknownLoginCodes: boolean;
}

export interface UserInfoPayloadOptions {
  nickName?: string;
  /** watermark.timestamp (unix seconds); default now. */
  watermarkTimestamp?: number;
  /** The '微信用户' profile modern WeChat hands out. */
  anonymous?: boolean;
}

export interface UserInfoPayload {
  rawData: string;
  signature: string;
  encryptedData: string;
  iv: string;
}

export interface FollowOptions {
  /** CreateTime (unix seconds); default now. */
  at?: number;
  /** QR scene (EventKey `qrscene_<scene>`). */
  scene?: string;
  /** false: change state only. Default: push when a push target is set. */
  push?: boolean;
}

export interface SandboxStats {
  tokensIssued: Record<string, number>;
  calls: Record<string, number>;
  /** Push operations started (each may make several attempts). */
  pushes: number;
  pushAttempts: number;
  users: number;
  followers: number;
}

type Params = Record<string, unknown>;

function str(params: Params, name: string): string | undefined {
  const v = params[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function mask(secretish: string): string {
  return secretish.length <= 8 ? '***' : `${secretish.slice(0, 6)}…`;
}

export class SandboxCore {
  readonly users: UserStore;
  readonly faults = new FaultTable(WECHAT_ROUTES);
  readonly log: EventLog;
  private readonly codes: CodeStore;
  private readonly tokens: TokenStore;
  private readonly calls = new Map<string, number>();
  private phoneQuota = Infinity;
  private pushTarget: PushTarget | null = null;
  private pushes = 0;
  private pushAttempts = 0;
  private demoRecord: UserRecord | null = null;
  private readonly unknownCodesUsed = new Set<string>();

  constructor(
    readonly config: SandboxConfig,
    private readonly opts: CoreOptions,
  ) {
    this.users = new UserStore(new IdFactory(), () => this.nowSeconds());
    this.codes = new CodeStore(opts.now);
    this.tokens = new TokenStore(opts.now);
    this.log = new EventLog(opts.now);
  }

  now(): number {
    return this.opts.now();
  }

  nowSeconds(): number {
    return Math.floor(this.opts.now() / 1000);
  }

  countCall(route: string): void {
    this.calls.set(route, (this.calls.get(route) ?? 0) + 1);
  }

  // ---------------------------------------------------------------- users

  createUser(opts?: CreateUserOptions): SandboxUser {
    const rec = this.users.create(opts);
    this.log.add(
      'user.created',
      `${rec.id} created (mini ${rec.miniOpenid}, oa ${rec.oaOpenid}, ${rec.unionid ? `unionid ${rec.unionid}` : 'no unionid'}${rec.following ? ', following' : ''})`,
    );
    return UserStore.snapshot(rec);
  }

  createFollowers(n: number, opts: Omit<CreateUserOptions, 'following'> = {}): SandboxUser[] {
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
      throw new SandboxError('INVALID_OPTION', 'n must be an integer between 1 and 1000000');
    }
    if (typeof opts.unionid === 'string') {
      throw new SandboxError(
        'INVALID_OPTION',
        'createFollowers: unionid may only be null (unbound)',
      );
    }
    // Distinct, increasing subscribe times ending at "now" (or the given time).
    const last = opts.subscribeTime ?? this.nowSeconds();
    const out: SandboxUser[] = new Array<SandboxUser>(n);
    for (let i = 0; i < n; i += 1) {
      const rec = this.users.create({
        ...opts,
        following: true,
        subscribeTime: Math.max(0, last - (n - 1 - i)),
      });
      out[i] = UserStore.snapshot(rec);
    }
    this.log.add('user.created', `${n} followers created`);
    return out;
  }

  user(ref: UserRef): UserView {
    return UserStore.view(this.users.get(ref));
  }

  listUsers(offset = 0, limit = 100): { total: number; users: UserView[] } {
    return {
      total: this.users.count(),
      users: this.users.list(offset, limit).map((rec) => UserStore.view(rec)),
    };
  }

  mintLoginCode(ref: UserRef): string {
    const rec = this.users.get(ref);
    // As on WeChat: producing a login code replaces the session_key, whether
    // or not the code ever reaches the developer's server.
    this.users.rotateSessionKey(rec);
    const code = this.codes.mint('login', rec.id);
    this.log.add('code.login', `login code minted for ${rec.id} (session_key rotated)`);
    return code;
  }

  sessionKeyOf(ref: UserRef): string {
    return this.users.currentSessionKey(this.users.get(ref));
  }

  userInfoPayload(ref: UserRef, opts: UserInfoPayloadOptions = {}): UserInfoPayload {
    const rec = this.users.get(ref);
    const sessionKey = this.users.currentSessionKey(rec);
    const anonymous = opts.anonymous === true;
    const profile = anonymous
      ? {
          nickName: ANONYMOUS_PROFILE.nickName,
          gender: 0,
          language: '',
          city: '',
          province: '',
          country: '',
          avatarUrl: ANONYMOUS_PROFILE.avatarUrl,
          is_demote: true,
        }
      : {
          nickName: opts.nickName ?? rec.nickName,
          gender: rec.gender,
          language: 'zh_CN',
          city: '',
          province: '',
          country: '',
          avatarUrl: rec.avatarUrl,
        };
    const rawData = JSON.stringify(profile);
    const decrypted: Record<string, unknown> = { openId: rec.miniOpenid, ...profile };
    if (rec.unionid !== null) decrypted.unionId = rec.unionid;
    decrypted.watermark = {
      timestamp: opts.watermarkTimestamp ?? this.nowSeconds(),
      appid: this.config.miniProgram.appid,
    };
    const { encryptedData, iv } = encryptUserData(decrypted, sessionKey);
    this.log.add('userinfo', `getUserInfo payload for ${rec.id}${anonymous ? ' (anonymous)' : ''}`);
    return { rawData, signature: signRawData(rawData, sessionKey), encryptedData, iv };
  }

  mintPhoneCode(ref: UserRef): string {
    const rec = this.users.get(ref);
    const code = this.codes.mint('phone', rec.id);
    this.log.add('code.phone', `phone code minted for ${rec.id}`);
    return code;
  }

  setPhoneQuota(n: number): void {
    if (!(n === Infinity || (Number.isInteger(n) && n >= 0))) {
      throw new SandboxError(
        'INVALID_OPTION',
        'phone quota must be a non-negative integer or Infinity',
      );
    }
    this.phoneQuota = n;
    this.log.add('phone.quota', `phone quota set to ${n}`);
  }

  mintOAuthCode(ref: UserRef, opts: { snapshot?: boolean; scope?: string } = {}): string {
    const rec = this.users.get(ref);
    const scope = opts.scope ?? 'snsapi_base';
    if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') {
      throw new SandboxError('INVALID_OPTION', 'scope must be snsapi_base or snsapi_userinfo');
    }
    const code = this.codes.mint('oauth', rec.id, { snapshot: opts.snapshot === true, scope });
    this.log.add(
      'code.oauth',
      `OAuth code minted for ${rec.id}${opts.snapshot ? ' (snapshot page)' : ''}`,
    );
    return code;
  }

  /** Changes follower state; returns the push fields (the caller decides to push). */
  setFollowing(ref: UserRef, following: boolean, opts: FollowOptions = {}): XmlFields {
    const rec = this.users.get(ref);
    const at = opts.at ?? this.nowSeconds();
    if (!Number.isInteger(at) || at < 0) {
      throw new SandboxError('INVALID_OPTION', 'at must be unix seconds');
    }
    if (opts.scene !== undefined) checkScene(opts.scene);
    this.users.setFollowing(rec, following, at, following ? (opts.scene ?? null) : null);
    this.log.add(
      following ? 'follow' : 'unfollow',
      `${rec.id} ${following ? 'followed' : 'unfollowed'} the official account at ${at}${opts.scene ? ` (scene ${opts.scene})` : ''}`,
    );
    return followEventFields({
      toUserName: this.config.officialAccount.originalId,
      openid: rec.oaOpenid,
      createTime: at,
      event: following ? 'subscribe' : 'unsubscribe',
      scene: following ? (opts.scene ?? null) : null,
    });
  }

  setPushTarget(target: PushTarget | null): void {
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
      if (!['plain', 'compat', 'safe'].includes(target.mode)) {
        throw new SandboxError('INVALID_OPTION', 'push mode must be plain, compat or safe');
      }
    }
    this.pushTarget = target === null ? null : { url: target.url, mode: target.mode };
    this.log.add(
      'push.target',
      target ? `push target ${target.url} (${target.mode})` : 'push target cleared',
    );
  }

  getPushTarget(): PushTarget | null {
    return this.pushTarget ? { ...this.pushTarget } : null;
  }

  async push(fields: XmlFields, opts: PushOptions = {}): Promise<PushResult> {
    const url = opts.url ?? this.pushTarget?.url;
    if (!url) throw new SandboxError('NO_PUSH_TARGET', 'no push target set and no url given');
    const mode = opts.mode ?? this.pushTarget?.mode ?? 'plain';
    const prepared = preparePush(
      fields,
      { url, mode },
      {
        appid: this.config.officialAccount.appid,
        token: this.config.officialAccount.token,
        encodingAesKey: this.config.officialAccount.encodingAesKey,
        nowSeconds: () => this.nowSeconds(),
      },
    );
    this.pushes += 1;
    const result = await deliver(prepared, opts);
    this.pushAttempts += result.attempts.length;
    const what = `${String(fields.MsgType ?? '?')}/${String(fields.Event ?? '')}`;
    const last = result.attempts[result.attempts.length - 1];
    this.log.add(
      'push',
      `push ${what} → ${url} (${mode}): ${result.delivered ? 'delivered' : 'NOT delivered'} after ${result.attempts.length} attempt(s)${last && !result.delivered ? `; last: ${last.error ?? `HTTP ${last.status}`}` : ''}`,
    );
    return result;
  }

  async follow(
    ref: UserRef,
    following: boolean,
    opts: FollowOptions = {},
  ): Promise<PushResult | null> {
    const fields = this.setFollowing(ref, following, opts);
    if (opts.push === false || this.pushTarget === null) return null;
    return this.push(fields);
  }

  invalidateAccessToken(appid?: string): void {
    const n = this.tokens.invalidate(appid);
    this.log.add(
      'token.invalidated',
      `${n} access token(s) invalidated${appid ? ` for ${appid}` : ''}`,
    );
  }

  injectFault(route: string, fault: FaultSpec): void {
    this.faults.inject(route, fault);
    this.log.add('fault', `fault on ${route}: ${JSON.stringify(fault)}`);
  }

  clearFaults(): void {
    this.faults.clear();
    this.log.add('fault', 'faults cleared');
  }

  stats(): SandboxStats {
    return {
      tokensIssued: this.tokens.issuedCounts(),
      calls: Object.fromEntries(this.calls),
      pushes: this.pushes,
      pushAttempts: this.pushAttempts,
      users: this.users.count(),
      followers: this.users.followerCount(),
    };
  }

  events(since?: number): SandboxEvent[] {
    return this.log.list(since);
  }

  // ------------------------------------------------------- WeChat APIs

  /** appid + secret check shared by the secret-authenticated endpoints. */
  private checkApp(params: Params, allowed: Array<'mp' | 'oa'>): string {
    const appid = str(params, 'appid');
    const secret = str(params, 'secret');
    if (!appid) throw wechatError('APPID_MISSING');
    const app =
      appid === this.config.miniProgram.appid
        ? { kind: 'mp' as const, secret: this.config.miniProgram.secret }
        : appid === this.config.officialAccount.appid
          ? { kind: 'oa' as const, secret: this.config.officialAccount.secret }
          : null;
    if (!app || !allowed.includes(app.kind)) throw wechatError('INVALID_APPID');
    if (!secret) throw wechatError('APPSECRET_MISSING');
    if (!constantTimeEqual(secret, app.secret)) throw wechatError('INVALID_APPSECRET');
    return appid;
  }

  /** GET sns/jscode2session */
  code2Session(q: Params): Record<string, unknown> {
    this.checkApp(q, ['mp']);
    if (str(q, 'grant_type') !== 'authorization_code') throw wechatError('INVALID_GRANT_TYPE');
    const code = str(q, 'js_code');
    if (!code) throw wechatError('CODE_MISSING');
    const found = this.codes.lookup(code, 'login');
    let rec: UserRecord;
    if (found.status === 'unknown' && this.opts.acceptUnknownLoginCodes) {
      if (this.unknownCodesUsed.has(code)) throw wechatError('CODE_USED');
      rec = this.demo();
      this.rateLimitLogin(rec);
      this.unknownCodesUsed.add(code);
      this.users.rotateSessionKey(rec); // what minting would have done
    } else {
      if (found.status === 'used') throw wechatError('CODE_USED');
      if (found.status !== 'ok') throw wechatError('INVALID_CODE'); // unknown or expired
      rec = this.users.get(found.record.userId);
      this.rateLimitLogin(rec);
      this.codes.consume(found.record);
      if (rec.blocked) throw wechatError('CODE_BLOCKED');
    }
    const body: Record<string, unknown> = {
      session_key: this.users.currentSessionKey(rec),
      openid: rec.miniOpenid,
    };
    if (rec.unionid !== null) body.unionid = rec.unionid;
    this.log.add('api.login', `code2Session: ${rec.id} logged in`);
    return body;
  }

  /**
   * The dev-mode demo user (the one unknown login codes log in), created on
   * the first call. Asking does not log it in or rotate its session_key.
   * Without acceptUnknownLoginCodes no login can reach it: a caller asking
   * for it has a misconfigured sandbox, so that is an error, not a new user.
   */
  demoUser(): SandboxUser {
    if (!this.opts.acceptUnknownLoginCodes) {
      throw new SandboxError(
        'INVALID_OPTION',
        'demoUser() needs acceptUnknownLoginCodes: true (no login code reaches the demo user otherwise)',
      );
    }
    return UserStore.snapshot(this.demo());
  }

  private demo(): UserRecord {
    if (!this.demoRecord) {
      this.demoRecord = this.users.get(this.createUser({ nickName: '沙盒演示用户' }).id);
      this.log.add('user.demo', `${this.demoRecord.id} is the demo user for unknown login codes`);
    }
    return this.demoRecord;
  }

  private rateLimitLogin(rec: UserRecord): void {
    const now = this.now();
    rec.recentLogins = rec.recentLogins.filter((t) => now - t < 60_000);
    if (rec.recentLogins.length >= LOGIN_RATE_PER_MINUTE) throw wechatError('MINUTE_QUOTA');
    rec.recentLogins.push(now);
  }

  /** GET cgi-bin/token */
  token(q: Params): IssuedToken {
    if (str(q, 'grant_type') !== 'client_credential') throw wechatError('INVALID_GRANT_TYPE');
    const appid = this.checkApp(q, ['mp', 'oa']);
    const issued = this.tokens.issueToken(appid);
    this.log.add('token.issued', `cgi-bin/token issued ${mask(issued.access_token)} for ${appid}`);
    return issued;
  }

  /** POST cgi-bin/stable_token */
  stableToken(body: Params): IssuedToken {
    if (body.grant_type !== 'client_credential') throw wechatError('INVALID_GRANT_TYPE');
    const appid = this.checkApp(body, ['mp', 'oa']);
    const force = body.force_refresh;
    if (force !== undefined && typeof force !== 'boolean') throw wechatError('INVALID_ARGS');
    const { issued, minted } = this.tokens.stableToken(appid, force === true);
    if (minted) {
      this.log.add(
        'token.issued',
        `stable_token issued ${mask(issued.access_token)} for ${appid}${force ? ' (force_refresh)' : ''}`,
      );
    }
    return issued;
  }

  /** GET (or POST) wxa/checksession */
  checkSession(params: Params): Record<string, unknown> {
    this.tokens.check(str(params, 'access_token'), this.config.miniProgram.appid);
    const openid = str(params, 'openid');
    const signature = str(params, 'signature');
    const method = str(params, 'sig_method');
    if (!openid || !signature || !method) throw wechatError('INVALID_ARGS');
    if (method !== 'hmac_sha256') throw wechatError('INVALID_ARGS');
    const rec = this.users.findByMiniOpenid(openid);
    if (!rec) throw wechatError('INVALID_OPENID');
    if (
      rec.sessionKey === null ||
      !constantTimeEqual(signature.toLowerCase(), sessionSignature(rec.sessionKey))
    ) {
      this.log.add('api.checksession', `checksession: ${rec.id} signature invalid`);
      throw wechatError('INVALID_SIGNATURE');
    }
    this.log.add('api.checksession', `checksession: ${rec.id} session_key valid`);
    return { errcode: 0, errmsg: 'ok' };
  }

  /** POST wxa/business/getuserphonenumber */
  phoneNumber(accessToken: string | undefined, body: Params): Record<string, unknown> {
    this.tokens.check(accessToken, this.config.miniProgram.appid);
    const code = str(body, 'code');
    if (!code) throw wechatError('CODE_MISSING');
    const found = this.codes.lookup(code, 'phone');
    // The doc lists only 40029 for bad codes: unknown, expired and replayed alike.
    if (found.status !== 'ok') throw wechatError('INVALID_CODE');
    const rec = this.users.get(found.record.userId);
    const openid = str(body, 'openid');
    if (openid !== undefined && openid !== rec.miniOpenid) throw wechatError('INVALID_CODE');
    if (this.phoneQuota <= 0) throw wechatError('PHONE_QUOTA_EXHAUSTED');
    this.codes.consume(found.record);
    if (this.phoneQuota !== Infinity) this.phoneQuota -= 1;
    this.log.add('api.phone', `getuserphonenumber: ${rec.id}`);
    return {
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: rec.countryCode === '86' ? rec.phone : `+${rec.countryCode}${rec.phone}`,
        purePhoneNumber: rec.phone,
        countryCode: rec.countryCode,
        watermark: { timestamp: this.nowSeconds(), appid: this.config.miniProgram.appid },
      },
    };
  }

  private oaUser(rec: UserRecord): Record<string, unknown> {
    const unionid = rec.unionid !== null ? { unionid: rec.unionid } : {};
    if (!rec.following) {
      // "值为0时，代表此用户没有关注该公众号，拉取不到其余信息" (unionid still comes back).
      return { subscribe: 0, openid: rec.oaOpenid, ...unionid };
    }
    const numericScene = rec.scene !== null && /^\d+$/.test(rec.scene);
    return {
      subscribe: 1,
      openid: rec.oaOpenid,
      subscribe_time: rec.subscribeTime,
      ...unionid,
      remark: '',
      groupid: 0,
      tagid_list: [],
      subscribe_scene: rec.scene !== null ? 'ADD_SCENE_QR_CODE' : 'ADD_SCENE_SEARCH',
      qr_scene: numericScene ? Number(rec.scene) : 0,
      qr_scene_str: rec.scene !== null && !numericScene ? rec.scene : '',
    };
  }

  /** GET cgi-bin/user/info */
  userInfo(q: Params): Record<string, unknown> {
    this.tokens.check(str(q, 'access_token'), this.config.officialAccount.appid);
    const openid = str(q, 'openid');
    const rec = openid ? this.users.findByOaOpenid(openid) : undefined;
    if (!rec) throw wechatError('INVALID_OPENID');
    return this.oaUser(rec);
  }

  /** POST cgi-bin/user/info/batchget */
  batchUserInfo(accessToken: string | undefined, body: Params): Record<string, unknown> {
    this.tokens.check(accessToken, this.config.officialAccount.appid);
    const list = body.user_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > BATCHGET_MAX) {
      throw wechatError('INVALID_OPENID_LIST_SIZE');
    }
    const out: Array<Record<string, unknown>> = [];
    for (const item of list as unknown[]) {
      const openid =
        item !== null && typeof item === 'object' ? (item as Params).openid : undefined;
      const rec = typeof openid === 'string' ? this.users.findByOaOpenid(openid) : undefined;
      if (!rec) throw wechatError('INVALID_OPENID');
      out.push(this.oaUser(rec));
    }
    return { user_info_list: out };
  }

  /**
   * GET cgi-bin/user/get. `next_openid` is the last openid of the page; once
   * the list is exhausted WeChat answers `count: 0`, `next_openid: ""` and no
   * `data` field at all, so clients must stop on either signal.
   */
  userGet(q: Params): Record<string, unknown> {
    this.tokens.check(str(q, 'access_token'), this.config.officialAccount.appid);
    const page = this.users.followerPage(str(q, 'next_openid') ?? '', this.opts.userGetPageSize);
    if (page === null) throw wechatError('INVALID_OPENID');
    const total = this.users.followerCount();
    if (page.length === 0) return { total, count: 0, next_openid: '' };
    return {
      total,
      count: page.length,
      data: { openid: page },
      next_openid: page[page.length - 1],
    };
  }

  /** GET sns/oauth2/access_token */
  oauthAccessToken(q: Params): Record<string, unknown> {
    this.checkApp(q, ['oa']);
    if (str(q, 'grant_type') !== 'authorization_code') throw wechatError('INVALID_GRANT_TYPE');
    const code = str(q, 'code');
    if (!code) throw wechatError('CODE_MISSING');
    const found = this.codes.lookup(code, 'oauth');
    if (found.status === 'used') throw wechatError('CODE_USED');
    if (found.status !== 'ok') throw wechatError('INVALID_CODE');
    this.codes.consume(found.record);
    const rec = this.users.get(found.record.userId);
    const scope = found.record.scope ?? 'snsapi_base';
    const body: Record<string, unknown> = {
      access_token: randomToken(64),
      expires_in: 7200,
      refresh_token: randomToken(64),
      scope,
    };
    if (found.record.snapshot) {
      // Snapshot-page mode: a virtual account, never the real openid/unionid.
      body.openid = `oSN${randomToken(19).slice(0, 25)}`;
      body.is_snapshotuser = 1;
    } else {
      body.openid = rec.oaOpenid;
      // "只有当scope为snsapi_userinfo时返回" (docs, api_snsaccesstoken).
      if (scope === 'snsapi_userinfo' && rec.unionid !== null) body.unionid = rec.unionid;
    }
    this.log.add(
      'api.oauth',
      `oauth2/access_token: ${rec.id}${found.record.snapshot ? ' (snapshot)' : ''}`,
    );
    return body;
  }
}
