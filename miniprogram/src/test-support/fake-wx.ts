/**
 * A scripted `wx` for tests: records every call, answers requests from
 * per-route handlers, and delivers every callback asynchronously (like the
 * real one) so concurrency is real.
 */
import type {
  WxGetUserInfoOptions,
  WxPort,
  WxRequestOptions,
  WxUploadFileOptions,
  WxUserInfoResult,
} from '../services/wx-port';
import { freshUserInfo } from './fixtures';

export interface FakeRequest {
  method: string;
  path: string;
  url: string;
  header: Record<string, string>;
  /** Bearer token, or null when none was sent. */
  token: string | null;
  data: Record<string, unknown> | undefined;
  timeout: number;
  /** Set for wx.uploadFile calls. */
  upload?: { filePath: string; name: string };
}

export type FakeReply = { status: number; body?: unknown } | { fail: string };
export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;
export type LoginReply = { code: string } | { fail: string };
/** `hang` never calls back (a WeChat API that does not answer). */
export type UserInfoReply = WxUserInfoResult | { fail: string } | 'hang';

function bearer(header: Record<string, string>): string | null {
  const value = header.authorization ?? header.Authorization;
  const match = /^Bearer (.+)$/.exec(value ?? '');
  return match?.[1] ?? null;
}

/** Storage and request bodies are copied, as the real wx serialises them. */
function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export class FakeWx implements WxPort {
  readonly storage = new Map<string, unknown>();
  readonly requests: FakeRequest[] = [];
  loginCalls = 0;
  checkSessionCalls = 0;
  /** The `withCredentials` flag of every wx.getUserInfo call. */
  readonly userInfoCalls: boolean[] = [];
  /** What wx.checkSession reports (false = WeChat session expired). */
  sessionAlive = true;
  /** Milliseconds before each answer; 0 still answers on a later macrotask. */
  latencyMs = 0;
  loginReply: (n: number) => LoginReply | Promise<LoginReply> = (n) => ({ code: `wx-code-${n}` });
  /** Called with the number of wx.login calls so far (which key the data is sealed under). */
  userInfoReply: (loginCalls: number) => UserInfoReply | Promise<UserInfoReply> = (n) =>
    freshUserInfo(n);
  private readonly handlers = new Map<string, FakeHandler>();

  /** Scripts `METHOD /path`; a later call for the same route replaces the handler. */
  on(method: string, path: string, handler: FakeHandler): this {
    this.handlers.set(`${method} ${path}`, handler);
    return this;
  }

  /** Requests (and uploads) sent to a route. */
  calls(method: string, path: string): FakeRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  request(options: WxRequestOptions): void {
    const req = this.record(
      options.url,
      options.method,
      options.header,
      options.data,
      options.timeout,
    );
    void this.answer(req).then((reply) => {
      if ('fail' in reply) options.fail({ errMsg: reply.fail });
      else options.success({ statusCode: reply.status, data: reply.body ?? '' });
    });
  }

  uploadFile(options: WxUploadFileOptions): void {
    const req = this.record(options.url, 'POST', options.header, undefined, options.timeout);
    req.upload = { filePath: options.filePath, name: options.name };
    void this.answer(req).then((reply) => {
      if ('fail' in reply) options.fail({ errMsg: reply.fail });
      else {
        // uploadFile hands back the raw body text.
        const data = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? '');
        options.success({ statusCode: reply.status, data: reply.body === undefined ? '' : data });
      }
    });
  }

  login(options: {
    timeout: number;
    success: (res: { code: string }) => void;
    fail: (err: { errMsg: string }) => void;
  }): void {
    const n = ++this.loginCalls;
    void this.later(() => this.loginReply(n)).then((reply) => {
      if ('fail' in reply) options.fail({ errMsg: reply.fail });
      else options.success({ code: reply.code });
    });
  }

  getUserInfo(options: WxGetUserInfoOptions): void {
    this.userInfoCalls.push(options.withCredentials);
    const sealedAfter = this.loginCalls;
    void this.later(() => this.userInfoReply(sealedAfter)).then((reply) => {
      if (reply === 'hang') return;
      if ('fail' in reply) options.fail({ errMsg: reply.fail });
      else options.success(clone(reply));
    });
  }

  checkSession(options: { success: () => void; fail: (err: { errMsg: string }) => void }): void {
    this.checkSessionCalls++;
    const alive = this.sessionAlive;
    void this.later(() => alive).then((ok) => {
      if (ok) options.success();
      else options.fail({ errMsg: 'checkSession:fail session time out' });
    });
  }

  getStorageSync(key: string): unknown {
    // The real API answers '' for a missing key.
    return this.storage.has(key) ? clone(this.storage.get(key)) : '';
  }

  setStorageSync(key: string, value: unknown): void {
    this.storage.set(key, clone(value));
  }

  removeStorageSync(key: string): void {
    this.storage.delete(key);
  }

  private record(
    url: string,
    method: string,
    header: Record<string, string>,
    data: Record<string, unknown> | undefined,
    timeout: number,
  ): FakeRequest {
    const parsed = new URL(url);
    const req: FakeRequest = {
      method,
      path: parsed.pathname,
      url,
      header: { ...header },
      token: bearer(header),
      data: data === undefined ? undefined : clone(data),
      timeout,
    };
    this.requests.push(req);
    return req;
  }

  private answer(req: FakeRequest): Promise<FakeReply> {
    const handler = this.handlers.get(`${req.method} ${req.path}`);
    return this.later(() =>
      handler
        ? handler(req)
        : { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such route' } } },
    );
  }

  private later<T>(produce: () => T | Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        Promise.resolve().then(produce).then(resolve, reject);
      }, this.latencyMs);
    });
  }
}

/** Lets pending fake callbacks (macrotasks) and the promise chains behind them run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
