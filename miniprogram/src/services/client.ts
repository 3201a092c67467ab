import { API_ROUTES, AVATAR_UPLOAD, ErrorEnvelopeSchema } from '@wxlink/contracts';
import type {
  ApiRequest,
  ApiResponse,
  ApiRouteName,
  CreateSessionResponse,
  ProfileAuthorizationRequest,
  SubscriptionView,
  UserView,
} from '@wxlink/contracts';
import {
  ApiError,
  LoginError,
  UserInfoError,
  isClientError,
  RequestInvalidError,
  ResponseInvalidError,
  networkErrorFrom,
} from './errors';
import { sendFile, sendJson } from './http';
import type { HttpResult } from './http';
import { SessionStore } from './storage';
import type { ClientError } from './errors';
import type { WxPort, WxUserInfoResult } from './wx-port';

export interface ClientOptions {
  wx: WxPort;
  /** e.g. `http://127.0.0.1:3000` (no trailing slash needed). */
  apiBase: string;
  /** Per network call; the app must never hang on a dead server. */
  timeoutMs?: number;
  now?: () => number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** The multipart field name `POST /api/v1/me/avatar` reads. */
/** The multipart field of an avatar upload: the contract's, so both sides agree. */
export const AVATAR_FIELD = AVATAR_UPLOAD.field;

/** Routes with no JSON body are called with no second argument. */
type BodyArgs<N extends ApiRouteName> =
  ApiRequest<N> extends undefined ? [] : [body: ApiRequest<N>];

export type ProfileAuthorizationResult =
  | { kind: 'authorized'; user: UserView }
  /**
   * The server could not open the data because WeChat rotated the user's
   * session_key, and the kit's one automatic retry (log in again, fresh
   * wx.getUserInfo, resend) did not succeed either. The kit has logged in
   * again, so the page asks the user to tap the button once more; `cause`
   * says why the retry gave up (for logs, never for the user).
   */
  | { kind: 'retap'; cause: ClientError };

export interface ProfileChanges {
  nickname?: string;
  /** A temp file path from the chooseAvatar button; uploaded first. */
  avatarFilePath?: string;
}

export interface LogoutResult {
  /** False when the server could not be told (offline): the token then expires on its own. */
  revokedOnServer: boolean;
}

function isSessionInvalid(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401 && err.code === 'SESSION_INVALID';
}

function isSessionKeyStale(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.code === 'SESSION_KEY_STALE';
}

/** The button's detail (or wx.getUserInfo's answer) also carries userInfo, errMsg, cloudID…; the route is strict. */
function profileBody(source: ProfileAuthorizationRequest | WxUserInfoResult) {
  return {
    rawData: source.rawData,
    signature: source.signature,
    encryptedData: source.encryptedData,
    iv: source.iv,
  };
}

function firstIssue(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }) {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.map(String).join('.');
  return where ? `${where}: ${issue.message}` : issue.message;
}

/**
 * The mini-program's session kit: one login at a time, a typed request()
 * over the contracts route table, and the profile/phone/avatar flows.
 */
export class WxlinkClient {
  readonly store: SessionStore;
  private readonly wx: WxPort;
  private readonly apiBase: string;
  private readonly timeoutMs: number;
  private loginFlight: Promise<CreateSessionResponse> | null = null;
  private sessionFlight: Promise<UserView> | null = null;

  constructor(options: ClientOptions) {
    this.wx = options.wx;
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.store = new SessionStore(options.wx, options.now);
  }

  /** Server-relative paths (uploaded avatars) → absolute URLs an `<image>` can load. */
  absoluteUrl(pathOrUrl: string): string {
    return pathOrUrl.startsWith('/') ? this.apiBase + pathOrUrl : pathOrUrl;
  }

  /** True when a token that has not expired is stored (no network). */
  hasSession(): boolean {
    return this.store.read() !== null;
  }

  /**
   * The logged-in user. Stored token + live WeChat session → `GET /me`;
   * otherwise (no token, checkSession failed, or the server says 401) a
   * fresh login. Concurrent callers share one attempt.
   */
  ensureSession(): Promise<UserView> {
    this.sessionFlight ??= this.resolveSession().finally(() => {
      this.sessionFlight = null;
    });
    return this.sessionFlight;
  }

  /**
   * `wx.login` → `POST /api/v1/sessions` → store the token. Single flight:
   * a second wx.login would rotate the session_key under the first one.
   */
  login(): Promise<CreateSessionResponse> {
    this.loginFlight ??= this.performLogin().finally(() => {
      this.loginFlight = null;
    });
    return this.loginFlight;
  }

  /**
   * Calls a mini-program route. Authenticated routes carry the Bearer token
   * and, on `401 SESSION_INVALID`, log in again and retry exactly once.
   */
  request<N extends ApiRouteName>(name: N, ...args: BodyArgs<N>): Promise<ApiResponse<N>> {
    const body: unknown = args[0];
    if (!API_ROUTES[name].auth) return this.send(name, body, null);
    return this.withSession((token) => this.send(name, body, token));
  }

  /**
   * Sends the getUserInfo button's detail. On `409 SESSION_KEY_STALE` it
   * retries by itself exactly once with freshly sealed data; see
   * ProfileAuthorizationResult for `retap`.
   */
  async authorizeProfile(detail: ProfileAuthorizationRequest): Promise<ProfileAuthorizationResult> {
    try {
      return {
        kind: 'authorized',
        user: await this.request('authorizeProfile', profileBody(detail)),
      };
    } catch (err) {
      if (!isSessionKeyStale(err)) throw err;
    }
    return this.retryWithFreshKey();
  }

  /**
   * Resending the stale payload cannot work: it is sealed with a key the
   * server will never hold. A fresh login hands the server the user's
   * current key; wx.getUserInfo (withCredentials) then seals the same data
   * under that key. That payload is sent once, and whatever happens next is
   * final: any failure becomes `retap`, which is what keeps this from looping.
   * (Modern WeChat may answer the anonymous 微信用户 profile here; the server
   * never lets it overwrite real data but still records the unionId.)
   */
  private async retryWithFreshKey(): Promise<ProfileAuthorizationResult> {
    // A failed login is surfaced as LoginError: another tap would not help.
    const { token } = await this.login();
    try {
      const fresh = await this.wxUserInfo();
      // send(), not request(): request() answers a 401 with another wx.login,
      // which would rotate the key under this payload and POST a third time.
      const user = await this.send('authorizeProfile', profileBody(fresh), token);
      return { kind: 'authorized', user };
    } catch (err) {
      if (!isClientError(err)) throw err;
      return { kind: 'retap', cause: err };
    }
  }

  /** Uploads a chooseAvatar temp file (multipart field `file`); returns the stored URL. */
  uploadAvatar(filePath: string): Promise<string> {
    return this.withSession(async (token) => {
      const res = await sendFile(this.wx, {
        url: this.url('uploadAvatar'),
        filePath,
        field: AVATAR_FIELD,
        token,
        timeoutMs: this.timeoutMs,
      });
      return this.interpret('uploadAvatar', res).avatarUrl;
    });
  }

  /** Avatar first (the profile stores its URL), then `PUT /api/v1/me/profile`. */
  async updateProfile(changes: ProfileChanges): Promise<UserView> {
    const nickname = changes.nickname?.trim();
    if (!nickname && !changes.avatarFilePath) {
      throw new RequestInvalidError('updateProfile', 'nothing to update');
    }
    const avatarUrl = changes.avatarFilePath
      ? await this.uploadAvatar(changes.avatarFilePath)
      : undefined;
    return this.request('updateProfile', {
      ...(nickname ? { nickname } : {}),
      ...(avatarUrl ? { avatarUrl } : {}),
    });
  }

  /** The getPhoneNumber button's `detail.code` → `POST /api/v1/me/phone`. */
  bindPhone(code: string): Promise<UserView> {
    return this.request('bindPhone', { code });
  }

  /**
   * Revokes the token on the server (best effort) and always forgets it
   * locally. Never logs in again: a 401 here means it is already revoked.
   */
  async logout(): Promise<LogoutResult> {
    const stored = this.store.read();
    try {
      if (stored) await this.send('deleteSession', undefined, stored.token);
      return { revokedOnServer: true };
    } catch (err) {
      return { revokedOnServer: isSessionInvalid(err) };
    } finally {
      this.store.clear();
    }
  }

  /**
   * 注销: `DELETE /api/v1/me` erases the account on the server, then the
   * token is forgotten. On failure nothing is forgotten (the account still
   * exists, the user may retry).
   */
  async deleteAccount(): Promise<void> {
    await this.request('deleteAccount');
    this.store.clear();
  }

  /**
   * The user's official accounts, primary first (`GET /api/v1/me/subscriptions`).
   * A server without that route (404) has one account: the user's own.
   */
  async subscriptions(user: UserView): Promise<SubscriptionView[]> {
    try {
      return (await this.request('listSubscriptions')).subscriptions;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return [user.subscription];
      throw err;
    }
  }

  private async resolveSession(): Promise<UserView> {
    const stored = this.store.read();
    if (stored && (await this.wxSessionAlive())) {
      try {
        return await this.send('getMe', undefined, stored.token);
      } catch (err) {
        if (!isSessionInvalid(err)) throw err;
      }
    }
    return (await this.login()).user;
  }

  private async performLogin(): Promise<CreateSessionResponse> {
    let code: string;
    try {
      code = await this.wxLogin();
    } catch (err) {
      throw new LoginError('wx.login', err);
    }
    let created: CreateSessionResponse;
    try {
      created = await this.send('createSession', { code }, null);
    } catch (err) {
      throw new LoginError('createSession', err);
    }
    this.store.write({ token: created.token, expiresAt: created.expiresAt });
    return created;
  }

  /**
   * Runs an authenticated call; on 401 SESSION_INVALID it gets a new token
   * and runs it once more. If another caller already replaced the token
   * meanwhile, that token is reused instead of logging in a second time.
   */
  private async withSession<T>(attempt: (token: string) => Promise<T>): Promise<T> {
    const first = this.store.read()?.token ?? (await this.login()).token;
    try {
      return await attempt(first);
    } catch (err) {
      if (!isSessionInvalid(err)) throw err;
      const current = this.store.read()?.token;
      const fresh = current && current !== first ? current : (await this.login()).token;
      return attempt(fresh);
    }
  }

  private wxLogin(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.wx.login({
        timeout: this.timeoutMs,
        success: (res) => {
          if (typeof res.code === 'string' && res.code.length > 0) resolve(res.code);
          else reject(networkErrorFrom('login:fail no code'));
        },
        fail: (err) => reject(networkErrorFrom(err.errMsg)),
      });
    });
  }

  /**
   * wx.getUserInfo with credentials, bounded by the kit's timeout: it has no
   * timeout option of its own and must never leave the button spinning.
   */
  private wxUserInfo(): Promise<WxUserInfoResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new UserInfoError(`getUserInfo:fail no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const settle = (done: () => void) => {
        clearTimeout(timer);
        done();
      };
      try {
        this.wx.getUserInfo({
          withCredentials: true,
          success: (res) => settle(() => resolve(res)),
          fail: (err) => settle(() => reject(new UserInfoError(err.errMsg))),
        });
      } catch (err) {
        // An old base library or a stubbed environment may throw instead of calling fail.
        settle(() => reject(new UserInfoError(err instanceof Error ? err.message : String(err))));
      }
    });
  }

  private wxSessionAlive(): Promise<boolean> {
    return new Promise((resolve) => {
      this.wx.checkSession({ success: () => resolve(true), fail: () => resolve(false) });
    });
  }

  private url(name: ApiRouteName): string {
    return this.apiBase + API_ROUTES[name].path;
  }

  private async send<N extends ApiRouteName>(
    name: N,
    body: unknown,
    token: string | null,
  ): Promise<ApiResponse<N>> {
    const route = API_ROUTES[name];
    let payload: Record<string, unknown> | undefined;
    if (route.request) {
      const checked = route.request.safeParse(body);
      if (!checked.success) throw new RequestInvalidError(name, firstIssue(checked.error));
      payload = checked.data;
    }
    const res = await sendJson(this.wx, {
      url: this.url(name),
      method: route.method,
      token,
      ...(payload !== undefined ? { body: payload } : {}),
      timeoutMs: this.timeoutMs,
    });
    return this.interpret(name, res);
  }

  /** Success → the route's schema decides; anything else → ApiError from the envelope. */
  private interpret<N extends ApiRouteName>(name: N, res: HttpResult): ApiResponse<N> {
    const route = API_ROUTES[name];
    if (res.status < 200 || res.status >= 300) throw this.failure(name, res);
    if (res.status !== route.status) {
      throw new ResponseInvalidError(name, res.status, `expected HTTP ${route.status}`);
    }
    if (!route.response) return undefined as ApiResponse<N>;
    const parsed = route.response.safeParse(res.data);
    if (!parsed.success) throw new ResponseInvalidError(name, res.status, firstIssue(parsed.error));
    return parsed.data as ApiResponse<N>;
  }

  private failure(name: ApiRouteName, res: HttpResult): Error {
    const envelope = ErrorEnvelopeSchema.safeParse(res.data);
    if (!envelope.success) {
      // e.g. an HTML 502 page from a proxy in front of a dead server.
      return new ResponseInvalidError(name, res.status, 'not an error envelope');
    }
    const { code, message, requestId } = envelope.data.error;
    return new ApiError(code, res.status, message, requestId);
  }
}
