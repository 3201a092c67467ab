import { AppFaults } from './app-faults';
import { CodeStore } from './code-store';
import type { OfficialAccountConfig, SandboxConfig } from './config';
import { SandboxError } from './errors';
import { EventLog } from './event-log';
import type { SandboxEvent } from './event-log';
import { FaultTable } from './faults';
import type { FaultSpec } from './faults';
import { IdFactory } from './ids';
import type { PushTarget } from './pusher';
import { TokenStore } from './token-store';
import { UserStore } from './user-store';
import type { AccountSlot, UserRecord } from './user-store';
import { userView } from './user-view';
import type { SandboxUserView } from './user-view';

/**
 * The sandbox's state, independent of HTTP: users, codes, tokens, faults and
 * the hosted official accounts. The WeChat APIs live in `apis/`, the control
 * operations in `controls/`; `sandbox.ts` puts an HTTP server on top.
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

export interface CoreOptions {
  now: () => number;
  userGetPageSize: number;
  /** Dev mode: an unknown js_code logs the demo user in (once per code). */
  acceptUnknownLoginCodes: boolean;
  /** DevTools tourist mode: the fixed code logs the demo user in, every time. */
  devToolsTouristMode: boolean;
  /** Minting a login code replaces the session_key (WeChat does; default on). */
  rotateSessionKeyOnLogin: boolean;
  /** Pusher policy (WeChat: 5000 ms, 3 attempts). */
  pushTimeoutMs: number;
  pushAttempts: number;
}

/** One hosted official account: its credentials, push target and QR tickets. */
export interface AccountState {
  config: OfficialAccountConfig;
  pushTarget: PushTarget | null;
  /** One ticket per QR scene, as one QR code has one ticket. */
  tickets: Map<string, string>;
}

export interface SandboxStats {
  tokensIssued: Record<string, number>;
  calls: Record<string, number>;
  /** Push operations started (each may make several attempts). */
  pushes: number;
  pushAttempts: number;
  users: number;
  /** Followers of the primary official account. */
  followers: number;
  /** Followers of every official account, by appid. */
  followersByAccount: Record<string, number>;
}

/** A 3-char openid prefix per account; the primary keeps the historical `oOA`. */
function accountPrefix(index: number): string {
  return index === 0 ? 'oOA' : `o${index.toString(36).padStart(2, '0')}`;
}

/** The state every sandbox operation works on. */
export class SandboxCore {
  readonly users: UserStore;
  readonly faults = new FaultTable(WECHAT_ROUTES);
  readonly appFaults: AppFaults;
  readonly log: EventLog;
  readonly codes: CodeStore;
  readonly tokens: TokenStore;
  readonly accounts = new Map<string, AccountState>();
  private readonly calls = new Map<string, number>();
  phoneQuota = Infinity;
  pushes = 0;
  pushAttempts = 0;
  demoRecord: UserRecord | null = null;
  readonly unknownCodesUsed = new Set<string>();

  constructor(
    readonly config: SandboxConfig,
    readonly opts: CoreOptions,
  ) {
    const slots: AccountSlot[] = config.officialAccounts.map((a, i) => ({
      appid: a.appid,
      prefix: accountPrefix(i),
    }));
    for (const a of config.officialAccounts) {
      this.accounts.set(a.appid, { config: a, pushTarget: null, tickets: new Map() });
    }
    this.users = new UserStore(new IdFactory(), () => this.nowSeconds(), slots);
    this.codes = new CodeStore(opts.now);
    this.tokens = new TokenStore(opts.now);
    this.log = new EventLog(opts.now);
    this.appFaults = new AppFaults([
      config.miniProgram.appid,
      ...config.officialAccounts.map((a) => a.appid),
    ]);
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

  /** The primary official account's appid. */
  get primaryAppid(): string {
    return this.config.officialAccount.appid;
  }

  /** A hosted official account (the primary when `appid` is omitted). */
  account(appid?: string): AccountState {
    const state = this.accounts.get(appid ?? this.primaryAppid);
    if (!state) {
      throw new SandboxError('UNKNOWN_ACCOUNT', `no official account ${appid} in the sandbox`);
    }
    return state;
  }

  /** A user as the control API shows it. */
  view(rec: UserRecord): SandboxUserView {
    return userView(rec, this.primaryAppid);
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

  injectTokenFault(appid: string, errcode: number, times?: number): void {
    this.appFaults.injectTokenFault(appid, errcode, times);
    this.log.add('fault', `token fetches of ${appid} answer ${errcode}`);
  }

  setOpenPlatformBound(appid: string, bound: boolean): void {
    this.appFaults.setOpenPlatformBound(appid, bound);
    this.log.add('fault', `${appid} ${bound ? 'bound to' : 'unbound from'} the Open Platform`);
  }

  clearFaults(): void {
    this.faults.clear();
    this.appFaults.clear();
    this.log.add('fault', 'faults cleared');
  }

  stats(): SandboxStats {
    const followersByAccount = Object.fromEntries(
      [...this.accounts.keys()].map((appid) => [appid, this.users.followerCount(appid)]),
    );
    return {
      tokensIssued: this.tokens.issuedCounts(),
      calls: Object.fromEntries(this.calls),
      pushes: this.pushes,
      pushAttempts: this.pushAttempts,
      users: this.users.count(),
      followers: this.users.followerCount(this.primaryAppid),
      followersByAccount,
    };
  }

  events(since?: number): SandboxEvent[] {
    return this.log.list(since);
  }
}
