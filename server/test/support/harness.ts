import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueDbName } from '@wxlink/testkit';
import {
  startSandbox,
  type Sandbox,
  type SandboxOptions,
  type SandboxUser,
} from '@wxlink/wechat-sandbox';
import type pino from 'pino';
import type { Config } from '../../src/config';
import type { AppDeps, Clock } from '../../src/deps';
import type { RunningServer } from '../../src/runtime';
import { startServerForTests, TEST_ENV_DEFAULTS } from '../../src/testing';
import type { WechatHttp } from '../../src/wechat/http-client';
import type { OfficialAccountApi } from '../../src/wechat/types';
import type { BackgroundWorkerOptions } from '../../src/workers';
import { assertRouteContract } from './route-contract';

/**
 * Test harness: a real server over real HTTP, against the wechat-sandbox and
 * the embedded MongoDB started by jest's global setup. Shared by every server
 * test file; keep its surface stable.
 */
export interface TestServerOptions {
  /** Extra or overriding environment variables for loadConfig. */
  env?: Record<string, string>;
  /** Reuse a sandbox (e.g. two server instances against one WeChat). Not closed by close(). */
  sandbox?: Sandbox;
  /** Options for the sandbox this harness starts (ignored with `sandbox`). */
  sandboxOptions?: SandboxOptions;
  /** Reuse a database (e.g. two server instances). Default: a fresh unique name. */
  dbName?: string;
  clock?: Clock;
  wechatFetch?: WechatHttp;
  /** Per-call timeout of the server's WeChat calls (default 5 s). */
  wechatTimeoutMs?: number;
  /** Where log lines go (default: nowhere; LOG_LEVEL=silent unless env sets it). */
  logDestination?: pino.DestinationStream;
  /** Background worker tuning, e.g. `{ inbox: { pollIntervalMs: 50, backoffBaseMs: 50 } }`. */
  workers?: BackgroundWorkerOptions;
  /** How long close() waits for in-flight requests (default 2000 ms). */
  shutdownGraceMs?: number;
}

export interface ApiResult {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read untyped JSON answers
  body: any;
  text: string;
}

export interface RawRequest {
  body?: string | Buffer | FormData;
  headers?: Record<string, string>;
}

export interface TestServer {
  readonly url: string;
  readonly sandbox: Sandbox;
  readonly deps: AppDeps;
  readonly config: Config;
  readonly dbName: string;
  readonly running: RunningServer;
  /** JSON request; `body` is JSON-encoded when given. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<ApiResult>;
  /** Any request with a raw body and headers (non-JSON, multipart, oversized...). */
  raw(method: string, path: string, request?: RawRequest): Promise<ApiResult>;
  /** Creates (or reuses) a sandbox user, mints a login code and logs in through the API. */
  login(user?: SandboxUser): Promise<LoginResult>;
  /** The WeChat API of the primary official account, as the server calls it. */
  officialAccountApi(): OfficialAccountApi;
  close(): Promise<void>;
}

export interface LoginResult {
  token: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the raw 201 answer
  body: any;
  sandboxUser: SandboxUser;
}

/** The environment a test server starts with, before `env` overrides. */
export function sandboxEnv(sandbox: Sandbox): Record<string, string> {
  return {
    ...TEST_ENV_DEFAULTS,
    MONGODB_URI: mongoUri(),
    ...sandbox.serverEnv(),
  };
}

/**
 * The server's environment for the several-accounts style: `accounts` (by
 * default the sandbox's own) written to a temporary OFFICIAL_ACCOUNTS_FILE,
 * and the single-account variables the sandbox hands out blanked (the two
 * styles are exclusive).
 */
export function accountsFileEnv(
  sandbox: Sandbox,
  accounts: readonly object[] = sandbox.officialAccountsFile(),
): Record<string, string> {
  const file = join(mkdtempSync(join(tmpdir(), 'wxlink-accounts-')), 'accounts.json');
  writeFileSync(file, JSON.stringify(accounts));
  return {
    OFFICIAL_ACCOUNTS_FILE: file,
    OFFICIAL_ACCOUNT_APPID: '',
    OFFICIAL_ACCOUNT_SECRET: '',
    OFFICIAL_ACCOUNT_TOKEN: '',
    OFFICIAL_ACCOUNT_AES_KEY: '',
    OFFICIAL_ACCOUNT_ENCRYPT_MODE: '',
  };
}

function mongoUri(): string {
  const uri = process.env.WXLINK_TEST_MONGODB_URI;
  if (!uri) throw new Error('WXLINK_TEST_MONGODB_URI is not set: run through jest (global setup)');
  return uri;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownSandbox = options.sandbox === undefined;
  const sandbox = options.sandbox ?? (await startSandbox(options.sandboxOptions ?? {}));
  const dbName = options.dbName ?? uniqueDbName('server');
  let running: RunningServer;
  let config: Config;
  try {
    ({ running, config } = await startServerForTests({
      env: { ...sandboxEnv(sandbox), ...options.env },
      dbName,
      // A suite that tunes no worker gets the runtime's defaults without the
      // background follower import (it would fetch tokens and write cursors
      // under the suite's feet); a suite that passes `workers` gets what it asks.
      workers: options.workers ?? { followers: false },
      ...(options.logDestination ? { logDestination: options.logDestination } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.wechatFetch ? { wechatFetch: options.wechatFetch } : {}),
      ...(options.wechatTimeoutMs ? { wechatTimeoutMs: options.wechatTimeoutMs } : {}),
      ...(options.shutdownGraceMs ? { shutdownGraceMs: options.shutdownGraceMs } : {}),
    }));
  } catch (err) {
    if (ownSandbox) await sandbox.close();
    throw err;
  }
  const url = running.url;

  const raw = async (
    method: string,
    path: string,
    request: RawRequest = {},
  ): Promise<ApiResult> => {
    // A timer cleared once the answer is read, not AbortSignal.timeout: its
    // timer stays for the full 15 s and holds the request's async context
    // (jest's current test, hence the whole test file and its server) after
    // the file has finished: workers grew to ~480 MB of heap and took longer
    // than jest's 500 ms to exit.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`${method} ${path}: no answer in 15 s`)),
      15_000,
    );
    let res: Response;
    let text: string;
    try {
      res = await fetch(url + path, {
        method,
        headers: request.headers ?? {},
        body: request.body ?? null,
        signal: controller.signal,
      });
      text = await res.text();
    } finally {
      clearTimeout(timer);
    }
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
      body = JSON.parse(text);
    }
    assertRouteContract(method, path, res.status, body);
    return { status: res.status, headers: res.headers, body, text };
  };

  const api = (method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return raw(method, path, {
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  };

  const login = async (user?: SandboxUser): Promise<LoginResult> => {
    const sandboxUser = user ?? sandbox.createUser();
    const code = sandbox.mintLoginCode(sandboxUser);
    const res = await api('POST', '/api/v1/sessions', { code });
    if (res.status !== 201) throw new Error(`login failed: ${res.status} ${res.text}`);
    return { token: res.body.token as string, body: res.body, sandboxUser };
  };

  let closed: Promise<void> | undefined;
  return {
    url,
    sandbox,
    deps: running.deps,
    config,
    dbName,
    running,
    api,
    raw,
    login,
    officialAccountApi: () => running.deps.wechat.officialAccount(config.officialAccount.appid),
    close: () =>
      (closed ??= (async () => {
        await running.close();
        if (ownSandbox) await sandbox.close();
      })()),
  };
}

/** The public URL the shared suites' servers announce (absolute avatar URLs, OAuth). */
export const SUITE_PUBLIC_BASE_URL = 'https://api.example.com';

/**
 * One server for a test file, started before its tests and closed after:
 * fast inbox workers (with the background follower import), a fixed
 * PUBLIC_BASE_URL, a sandbox that logs any unknown login code in as its demo
 * user (what DevTools sends), and the sandbox pushing to this server. Returns
 * a getter, valid inside tests.
 */
export function useSuiteServer(): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer({
      workers: { inbox: { pollIntervalMs: 50, backoffBaseMs: 50 } },
      env: { PUBLIC_BASE_URL: SUITE_PUBLIC_BASE_URL },
      sandboxOptions: { acceptUnknownLoginCodes: true },
    });
    server.sandbox.setPushTarget({
      url: `${server.url}/wechat/official-account/events`,
      mode: 'safe',
    });
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (server === undefined) throw new Error('useSuiteServer: the server is not started yet');
    return server;
  };
}

/** Asserts an error answer: the status and the envelope's code. */
export function expectApiError(res: ApiResult, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect((res.body as { error?: { code?: unknown } } | undefined)?.error?.code).toBe(code);
}
