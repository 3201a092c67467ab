import type { SandboxConfig } from './config';
import type { UserInfoPayload } from './controls/users';
import type { SandboxStats } from './core';
import type { SandboxEvent } from './event-log';
import type { FaultSpec } from './faults';
import type { PushMode, PushResult, PushTarget } from './pusher';
import type { CreateUserOptions } from './user-options';
import type { SandboxUserView } from './user-view';

/**
 * A small client for the control API of a running sandbox (`/__sandbox/*`),
 * used by the CLI and usable from dev scripts.
 */

export type SandboxClientErrorCode = 'NOT_RUNNING' | 'REQUEST_FAILED' | 'BAD_RESPONSE';

export class SandboxClientError extends Error {
  readonly code: SandboxClientErrorCode;
  readonly status?: number;
  constructor(code: SandboxClientErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'SandboxClientError';
    this.code = code;
    this.status = status;
  }
}

export type CreateUserRequest = CreateUserOptions & {
  /** Not bound to the open platform (no unionid). */
  unbound?: boolean;
};

export class SandboxClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}/__sandbox${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      const detail = cause?.code ?? (err as Error).message;
      throw new SandboxClientError(
        'NOT_RUNNING',
        `cannot reach the sandbox at ${this.baseUrl} (${detail}); start it with: npm run sandbox -- serve`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new SandboxClientError(
        'BAD_RESPONSE',
        `${url} did not answer JSON (is this a sandbox?)`,
        res.status,
      );
    }
    if (!res.ok) {
      const error = (parsed as { error?: { message?: unknown } }).error;
      const message = typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`;
      throw new SandboxClientError('REQUEST_FAILED', message, res.status);
    }
    return parsed as T;
  }

  config(): Promise<{
    config: SandboxConfig;
    pushTarget: PushTarget | null;
    pushTargets: Record<string, PushTarget | null>;
  }> {
    return this.call('GET', '/config');
  }

  users(offset = 0, limit = 100): Promise<{ total: number; users: SandboxUserView[] }> {
    return this.call('GET', `/users?offset=${offset}&limit=${limit}`);
  }

  user(id: string): Promise<SandboxUserView> {
    return this.call('GET', `/users/${encodeURIComponent(id)}`);
  }

  createUser(opts: CreateUserRequest = {}): Promise<SandboxUserView> {
    return this.call('POST', '/users', opts);
  }

  createFollowers(
    n: number,
    opts: { unbound?: boolean; appid?: string } = {},
  ): Promise<{ count: number }> {
    return this.call('POST', '/followers', { n, ...opts });
  }

  async loginCode(id: string): Promise<string> {
    const r = await this.call<{ code: string }>(
      'POST',
      `/users/${encodeURIComponent(id)}/login-code`,
    );
    return r.code;
  }

  async phoneCode(id: string): Promise<string> {
    const r = await this.call<{ code: string }>(
      'POST',
      `/users/${encodeURIComponent(id)}/phone-code`,
    );
    return r.code;
  }

  async oauthCode(
    id: string,
    opts: { snapshot?: boolean; scope?: string; appid?: string } = {},
  ): Promise<string> {
    const r = await this.call<{ code: string }>(
      'POST',
      `/users/${encodeURIComponent(id)}/oauth-code`,
      opts,
    );
    return r.code;
  }

  userInfo(
    id: string,
    opts: { nickName?: string; anonymous?: boolean } = {},
  ): Promise<UserInfoPayload> {
    return this.call('POST', `/users/${encodeURIComponent(id)}/user-info`, opts);
  }

  /** Follows an official account (SCAN for a follower with a scene); push: false sends nothing. */
  follow(
    id: string,
    opts: { at?: number; scene?: string; push?: boolean; appid?: string } = {},
  ): Promise<{ user: SandboxUserView; push: PushResult | null }> {
    return this.call('POST', `/users/${encodeURIComponent(id)}/follow`, opts);
  }

  /** Unfollows; push: false simulates WeChat giving up on delivering the unsubscribe. */
  unfollow(
    id: string,
    opts: { at?: number; push?: boolean; appid?: string } = {},
  ): Promise<{ user: SandboxUserView; push: PushResult | null }> {
    return this.call('POST', `/users/${encodeURIComponent(id)}/unfollow`, opts);
  }

  setPushTarget(
    target: { url: string; mode?: PushMode } | null,
    appid?: string,
  ): Promise<{ pushTarget: PushTarget | null }> {
    return target === null
      ? this.call('DELETE', `/push-target${appid ? `?appid=${encodeURIComponent(appid)}` : ''}`)
      : this.call('PUT', '/push-target', { ...target, appid });
  }

  /** Token fetches of `appid` answer `errcode` (40001, 40125, 40243 or 61004). */
  injectTokenFault(appid: string, errcode: number, times?: number): Promise<unknown> {
    return this.call('POST', '/faults/token', { appid, errcode, times });
  }

  /** false: `appid` is not bound to the Open Platform (its APIs return no unionid). */
  setOpenPlatformBound(appid: string, bound: boolean): Promise<unknown> {
    return this.call('PUT', `/apps/${encodeURIComponent(appid)}/open-platform`, { bound });
  }

  injectFault(route: string, fault: FaultSpec): Promise<unknown> {
    return this.call('POST', '/faults', { route, ...fault });
  }

  clearFaults(): Promise<unknown> {
    return this.call('DELETE', '/faults');
  }

  invalidateAccessToken(appid?: string): Promise<unknown> {
    return this.call('POST', '/tokens/invalidate', appid ? { appid } : {});
  }

  setPhoneQuota(n: number | null): Promise<unknown> {
    return this.call('PUT', '/phone-quota', { n });
  }

  stats(): Promise<SandboxStats> {
    return this.call('GET', '/stats');
  }

  async events(since = 0): Promise<SandboxEvent[]> {
    const r = await this.call<{ events: SandboxEvent[] }>('GET', `/events?since=${since}`);
    return r.events;
  }
}
