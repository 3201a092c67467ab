import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { resolveConfig } from './config';
import type { ConfigInput, OfficialAccountConfig, SandboxConfig } from './config';
import * as follows from './controls/follow';
import type { FollowOptions } from './controls/follow';
import * as users from './controls/users';
import type { OAuthCodeOptions, UserInfoPayload, UserInfoPayloadOptions } from './controls/users';
import { SandboxCore, USER_GET_MAX_PAGE } from './core';
import type { SandboxStats } from './core';
import { SandboxError } from './errors';
import type { SandboxEvent } from './event-log';
import type { XmlFields } from './event-xml';
import type { FaultSpec } from './faults';
import { DEFAULT_PUSH_ATTEMPTS, DEFAULT_PUSH_TIMEOUT_MS } from './pusher';
import type { PushMode, PushOptions, PushResult, PushTarget } from './pusher';
import { controlRouter } from './routes/control';
import { wechatRouter } from './routes/wechat';
import type { CreateUserOptions } from './user-options';
import type { SandboxUser, UserRef } from './user-store';
import type { SandboxUserView } from './user-view';

export interface SandboxOptions extends ConfigInput {
  /** Clock in ms; inject one to test code expiry and token lifetimes. */
  now?: () => number;
  /** Page size of `cgi-bin/user/get` (WeChat: 10000). */
  userGetPageSize?: number;
  /** Dev mode: an unknown js_code logs in one demo user (once per code) instead of 40029. */
  acceptUnknownLoginCodes?: boolean;
  /**
   * Dev mode: DevTools' tourist-mode code "the code is a mock one" logs in the
   * demo user every time. Off by default: WeChat rejects that code.
   */
  devToolsTouristMode?: boolean;
  /** Minting a login code replaces the user's session_key. Default true (WeChat does). */
  rotateSessionKeyOnLogin?: boolean;
  /** Pusher: window of each attempt. Default 5000 ms (WeChat's). */
  pushTimeoutMs?: number;
  /** Pusher: attempts in all. Default 3 (WeChat's). */
  pushAttempts?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
}

/** One entry of the server's `OFFICIAL_ACCOUNTS_FILE`. */
export interface OfficialAccountsFileEntry {
  appid: string;
  secret: string;
  token: string;
  aesKey: string;
  encryptMode: PushMode;
}

export interface Sandbox {
  /** Base URL, e.g. http://127.0.0.1:41234 — use it as WECHAT_API_BASE. */
  readonly url: string;
  readonly config: SandboxConfig;
  /** The hosted official accounts, primary first. */
  readonly officialAccounts: readonly OfficialAccountConfig[];
  /**
   * The environment a server needs to talk to this sandbox: WECHAT_API_BASE,
   * the mini-program's credentials and the primary official account's.
   */
  serverEnv(): Record<string, string>;
  /** The content of an `OFFICIAL_ACCOUNTS_FILE` listing every hosted account. */
  officialAccountsFile(): OfficialAccountsFileEntry[];
  createUser(opts?: CreateUserOptions): SandboxUser;
  createFollowers(
    n: number,
    opts?: Omit<CreateUserOptions, 'following'> & { appid?: string },
  ): SandboxUser[];
  /**
   * The demo user dev login codes log in as (with a unionid, so linkage
   * works), created on first use. Side-effect free otherwise. Throws
   * SandboxError `INVALID_OPTION` unless `acceptUnknownLoginCodes` or
   * `devToolsTouristMode` is on.
   */
  demoUser(): SandboxUser;
  getUser(user: UserRef): SandboxUserView;
  listUsers(offset?: number, limit?: number): { total: number; users: SandboxUserView[] };
  mintLoginCode(user: UserRef): string;
  sessionKeyOf(user: UserRef): string;
  userInfoPayload(user: UserRef, opts?: UserInfoPayloadOptions): UserInfoPayload;
  /** The getPhoneNumber button succeeding: spends quota (throws 1400001 when none is left). */
  mintPhoneCode(user: UserRef): string;
  setPhoneQuota(n: number): void;
  mintOAuthCode(user: UserRef, opts?: OAuthCodeOptions): string;
  /** Follow (subscribe; SCAN for a follower with a scene) an official account. */
  follow(user: UserRef, opts?: FollowOptions): Promise<PushResult | null>;
  unfollow(user: UserRef, opts?: Omit<FollowOptions, 'scene'>): Promise<PushResult | null>;
  setPushTarget(target: PushTarget | null, appid?: string): void;
  getPushTarget(appid?: string): PushTarget | null;
  push(xmlFields: XmlFields, opts?: PushOptions & { appid?: string }): Promise<PushResult>;
  invalidateAccessToken(appid?: string): void;
  stats(): SandboxStats;
  injectFault(route: string, fault: FaultSpec): void;
  /** Token fetches of `appid` answer 40001, 40125, 40243 or 61004. */
  injectTokenFault(appid: string, errcode: number, times?: number): void;
  /** false: `appid` is not bound to the Open Platform; its APIs return no unionid. */
  setOpenPlatformBound(appid: string, bound: boolean): void;
  /** Clears route faults, token faults and Open Platform unbinding. */
  clearFaults(): void;
  /** What happened, oldest first (bounded; never contains secrets). */
  readonly events: SandboxEvent[];
  close(): Promise<void>;
}

function checkInt(value: number | undefined, name: string, min: number, max: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    throw new SandboxError('INVALID_OPTION', `${name} must be an integer ${min}..${max}`);
  }
}

function checkOptions(opts: SandboxOptions): void {
  checkInt(opts.userGetPageSize, 'userGetPageSize', 1, USER_GET_MAX_PAGE);
  checkInt(opts.port, 'port', 0, 65535);
  checkInt(opts.pushTimeoutMs, 'pushTimeoutMs', 1, 60_000);
  checkInt(opts.pushAttempts, 'pushAttempts', 1, 10);
  if (opts.now !== undefined && typeof opts.now !== 'function') {
    throw new SandboxError('INVALID_OPTION', 'now must be a function returning ms');
  }
}

/** Timers behind injected delays, so close() can cancel them. */
class TimerSet {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();

  sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.set(timer, resolve);
    });

  cancelAll(): void {
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer);
      resolve();
    }
    this.pending.clear();
  }
}

function createCore(opts: SandboxOptions): SandboxCore {
  checkOptions(opts);
  const config = resolveConfig(opts);
  const core = new SandboxCore(config, {
    now: opts.now ?? Date.now,
    userGetPageSize: opts.userGetPageSize ?? USER_GET_MAX_PAGE,
    acceptUnknownLoginCodes: opts.acceptUnknownLoginCodes === true,
    devToolsTouristMode: opts.devToolsTouristMode === true,
    rotateSessionKeyOnLogin: opts.rotateSessionKeyOnLogin !== false,
    pushTimeoutMs: opts.pushTimeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS,
    pushAttempts: opts.pushAttempts ?? DEFAULT_PUSH_ATTEMPTS,
  });
  const inputs = opts.officialAccounts ?? [opts.officialAccount ?? {}];
  inputs.forEach((input, i) => {
    const appid = config.officialAccounts[i]?.appid;
    if (input?.push && appid) follows.setPushTarget(core, input.push, appid);
  });
  return core;
}

async function listen(app: express.Express, opts: SandboxOptions) {
  const server = http.createServer(app);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

/** Starts a sandbox on 127.0.0.1 (any free port by default). */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const core = createCore(opts);
  const timers = new TimerSet();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/__sandbox', controlRouter(core));
  app.use(wechatRouter(core, timers.sleep));
  app.use((_req, res) => {
    res.status(404).json({ errcode: 40066, errmsg: 'invalid url (not simulated by the sandbox)' });
  });
  const { server, url } = await listen(app, opts);
  core.log.add('sandbox.started', `sandbox listening on ${url}`);

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      timers.cancelAll();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return sandboxApi(core, url, close);
}

function sandboxApi(core: SandboxCore, url: string, close: () => Promise<void>): Sandbox {
  const { config } = core;
  return {
    url,
    config,
    officialAccounts: config.officialAccounts,
    serverEnv: () => ({
      WECHAT_API_BASE: url,
      MINIPROGRAM_APPID: config.miniProgram.appid,
      MINIPROGRAM_SECRET: config.miniProgram.secret,
      OFFICIAL_ACCOUNT_APPID: config.officialAccount.appid,
      OFFICIAL_ACCOUNT_SECRET: config.officialAccount.secret,
      OFFICIAL_ACCOUNT_TOKEN: config.officialAccount.token,
      OFFICIAL_ACCOUNT_AES_KEY: config.officialAccount.encodingAesKey,
    }),
    officialAccountsFile: () =>
      config.officialAccounts.map((a) => ({
        appid: a.appid,
        secret: a.secret,
        token: a.token,
        aesKey: a.encodingAesKey,
        encryptMode: core.account(a.appid).pushTarget?.mode ?? 'safe',
      })),
    createUser: (o) => users.createUser(core, o),
    createFollowers: (n, o) => users.createFollowers(core, n, o),
    demoUser: () => users.demoUser(core),
    getUser: (u) => core.view(core.users.get(u)),
    listUsers: (offset = 0, limit = 100) => ({
      total: core.users.count(),
      users: core.users.list(offset, limit).map((rec) => core.view(rec)),
    }),
    mintLoginCode: (u) => users.mintLoginCode(core, u),
    sessionKeyOf: (u) => core.users.currentSessionKey(core.users.get(u)),
    userInfoPayload: (u, o) => users.userInfoPayload(core, u, o),
    mintPhoneCode: (u) => users.mintPhoneCode(core, u),
    setPhoneQuota: (n) => users.setPhoneQuota(core, n),
    mintOAuthCode: (u, o) => users.mintOAuthCode(core, u, o),
    follow: (u, o) => follows.follow(core, u, true, o),
    unfollow: (u, o) => follows.follow(core, u, false, o),
    setPushTarget: (t, appid) => follows.setPushTarget(core, t, appid),
    getPushTarget: (appid) => {
      const target = core.account(appid).pushTarget;
      return target ? { ...target } : null;
    },
    push: (f, o) => follows.push(core, f, o),
    invalidateAccessToken: (a) => core.invalidateAccessToken(a),
    stats: () => core.stats(),
    injectFault: (r, f) => core.injectFault(r, f),
    injectTokenFault: (a, e, t) => core.injectTokenFault(a, e, t),
    setOpenPlatformBound: (a, b) => core.setOpenPlatformBound(a, b),
    clearFaults: () => core.clearFaults(),
    get events() {
      return core.events();
    },
    close,
  };
}
