import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { resolveConfig } from './config';
import type { ConfigInput, SandboxConfig } from './config';
import { SandboxCore, USER_GET_MAX_PAGE } from './core';
import type { FollowOptions, SandboxStats, UserInfoPayload, UserInfoPayloadOptions } from './core';
import { SandboxError } from './errors';
import type { SandboxEvent } from './event-log';
import type { XmlFields } from './event-xml';
import type { FaultSpec } from './faults';
import type { PushOptions, PushResult, PushTarget } from './pusher';
import { controlRouter } from './routes/control';
import { wechatRouter } from './routes/wechat';
import type { CreateUserOptions, SandboxUser, UserRef, UserView } from './user-store';

export interface SandboxOptions extends ConfigInput {
  /** Clock in ms; inject one to test code expiry and token lifetimes. */
  now?: () => number;
  /** Page size of `cgi-bin/user/get` (WeChat: 10000). */
  userGetPageSize?: number;
  /** Dev mode: an unknown js_code logs in one demo user instead of 40029. */
  acceptUnknownLoginCodes?: boolean;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
}

export interface Sandbox {
  /** Base URL, e.g. http://127.0.0.1:41234 — use it as WECHAT_API_BASE. */
  readonly url: string;
  readonly config: SandboxConfig;
  /**
   * The environment a server needs to talk to this sandbox, under the names
   * DESIGN.md fixes: WECHAT_API_BASE and both apps' credentials, Token and
   * EncodingAESKey. `npm run dev` and the test harnesses spread it into their
   * configuration.
   */
  serverEnv(): Record<string, string>;
  createUser(opts?: CreateUserOptions): SandboxUser;
  createFollowers(n: number, opts?: Omit<CreateUserOptions, 'following'>): SandboxUser[];
  /**
   * The demo user that `acceptUnknownLoginCodes` logs unknown codes in as
   * (with a unionid, so linkage works), created on the first call or the
   * first unknown code, whichever comes first. Side-effect free otherwise: no
   * login, no session_key rotation. Throws SandboxError `INVALID_OPTION`
   * unless the sandbox was started with `acceptUnknownLoginCodes: true`.
   */
  demoUser(): SandboxUser;
  getUser(user: UserRef): UserView;
  listUsers(offset?: number, limit?: number): { total: number; users: UserView[] };
  mintLoginCode(user: UserRef): string;
  sessionKeyOf(user: UserRef): string;
  userInfoPayload(user: UserRef, opts?: UserInfoPayloadOptions): UserInfoPayload;
  mintPhoneCode(user: UserRef): string;
  setPhoneQuota(n: number): void;
  mintOAuthCode(
    user: UserRef,
    opts?: { snapshot?: boolean; scope?: 'snsapi_base' | 'snsapi_userinfo' },
  ): string;
  follow(user: UserRef, opts?: FollowOptions): Promise<PushResult | null>;
  unfollow(user: UserRef, opts?: Omit<FollowOptions, 'scene'>): Promise<PushResult | null>;
  setPushTarget(target: PushTarget | null): void;
  push(xmlFields: XmlFields, opts?: PushOptions): Promise<PushResult>;
  invalidateAccessToken(appid?: string): void;
  stats(): SandboxStats;
  injectFault(route: string, fault: FaultSpec): void;
  clearFaults(): void;
  /** What happened, oldest first (bounded; never contains secrets). */
  readonly events: SandboxEvent[];
  close(): Promise<void>;
}

function checkOptions(opts: SandboxOptions): void {
  if (
    opts.userGetPageSize !== undefined &&
    (!Number.isInteger(opts.userGetPageSize) ||
      opts.userGetPageSize < 1 ||
      opts.userGetPageSize > USER_GET_MAX_PAGE)
  ) {
    throw new SandboxError('INVALID_OPTION', `userGetPageSize must be 1..${USER_GET_MAX_PAGE}`);
  }
  if (
    opts.port !== undefined &&
    (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
  ) {
    throw new SandboxError('INVALID_OPTION', 'port must be 0..65535');
  }
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

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  checkOptions(opts);
  const config = resolveConfig(opts);
  const core = new SandboxCore(config, {
    now: opts.now ?? Date.now,
    userGetPageSize: opts.userGetPageSize ?? USER_GET_MAX_PAGE,
    acceptUnknownLoginCodes: opts.acceptUnknownLoginCodes === true,
  });
  const timers = new TimerSet();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/__sandbox', controlRouter(core));
  app.use(wechatRouter(core, timers.sleep));
  app.use((_req, res) => {
    res.status(404).json({ errcode: 40066, errmsg: 'invalid url (not simulated by the sandbox)' });
  });

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
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
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

  return {
    url,
    config,
    serverEnv: () => ({
      WECHAT_API_BASE: url,
      MINIPROGRAM_APPID: config.miniProgram.appid,
      MINIPROGRAM_SECRET: config.miniProgram.secret,
      OFFICIAL_ACCOUNT_APPID: config.officialAccount.appid,
      OFFICIAL_ACCOUNT_SECRET: config.officialAccount.secret,
      OFFICIAL_ACCOUNT_TOKEN: config.officialAccount.token,
      OFFICIAL_ACCOUNT_AES_KEY: config.officialAccount.encodingAesKey,
    }),
    createUser: (o) => core.createUser(o),
    createFollowers: (n, o) => core.createFollowers(n, o),
    demoUser: () => core.demoUser(),
    getUser: (u) => core.user(u),
    listUsers: (offset, limit) => core.listUsers(offset, limit),
    mintLoginCode: (u) => core.mintLoginCode(u),
    sessionKeyOf: (u) => core.sessionKeyOf(u),
    userInfoPayload: (u, o) => core.userInfoPayload(u, o),
    mintPhoneCode: (u) => core.mintPhoneCode(u),
    setPhoneQuota: (n) => core.setPhoneQuota(n),
    mintOAuthCode: (u, o) => core.mintOAuthCode(u, o),
    follow: (u, o) => core.follow(u, true, o),
    unfollow: (u, o) => core.follow(u, false, o),
    setPushTarget: (t) => core.setPushTarget(t),
    push: (f, o) => core.push(f, o),
    invalidateAccessToken: (a) => core.invalidateAccessToken(a),
    stats: () => core.stats(),
    injectFault: (r, f) => core.injectFault(r, f),
    clearFaults: () => core.clearFaults(),
    get events() {
      return core.events();
    },
    close,
  };
}
