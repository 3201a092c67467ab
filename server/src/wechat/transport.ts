import { isAccessTokenInvalid, mapWechatErrcode, type WechatApi } from '@wxlink/contracts';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AccessTokenEndpoint } from '../config';
import type { Clock } from '../deps';
import type { Metrics } from '../platform/metrics';
import type { AccessTokenModel } from './access-token.model';
import { DeadlineWatch } from '../platform/deadline-watch';
import { credentialFault } from './credential-faults';
import { WechatApiError, wechatUnavailable } from './errors';
import { ErrcodeHead, TokenResponse } from './schemas';
import { AccessTokenBroker, tokenRequest, type IssuedToken } from './token-broker';
import { undiciExchange, type WechatHttp } from './http-client';

/** One WeChat API call: where, what, and the shape its answer must have. */
export interface WechatCall<S extends z.ZodType> {
  api: WechatApi;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  schema: S;
}

export interface WechatTransportOptions {
  apiBase: string;
  accessTokenEndpoint: AccessTokenEndpoint;
  /** appid → AppSecret of every app this server calls WeChat for. */
  secrets: ReadonlyMap<string, string>;
  accessTokens: AccessTokenModel;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  /** Defaults to undici's request (http-client.ts); tests may pass the global fetch or a wrapper. */
  fetch?: WechatHttp;
  /** Per-call timeout (up to an eighth later: platform/deadline-watch.ts); WeChat usually answers in well under a second. */
  timeoutMs?: number;
  /** Lease-holder id of this instance for the token broker. */
  instanceId: string;
}

/**
 * HTTP to WeChat, shared by every per-app API: a timeout on every call,
 * metrics, errcodes mapped to product codes (contracts' mapWechatErrcode),
 * access tokens injected from the shared broker with one refresh-and-retry
 * when WeChat rejects a token (40001/42001/40014). URLs are never logged:
 * they carry secrets, codes and access tokens.
 */
export class WechatTransport {
  readonly tokens: AccessTokenBroker;
  private readonly doFetch: WechatHttp;
  private readonly timeoutMs: number;
  /** Every call's timeout on one timer (AbortSignal.timeout's own timer cost a login 0.07 ms). */
  private readonly deadlines: DeadlineWatch;

  constructor(private readonly options: WechatTransportOptions) {
    this.doFetch = options.fetch ?? undiciExchange;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.deadlines = new DeadlineWatch(this.timeoutMs);
    this.tokens = new AccessTokenBroker({
      model: options.accessTokens,
      fetchToken: (appid, flags) => this.fetchToken(appid, flags.force),
      endpoint: options.accessTokenEndpoint,
      clock: options.clock,
      logger: options.logger,
      metrics: options.metrics,
      instanceId: options.instanceId,
    });
  }

  /** The AppSecret of a configured app (calls authenticated by appid + secret). */
  secretOf(appid: string): string {
    const secret = this.options.secrets.get(appid);
    if (secret === undefined) throw new Error(`no AppSecret configured for appid ${appid}`);
    return secret;
  }

  /** One HTTP exchange; the parsed answer, or a WechatApiError. */
  async call<S extends z.ZodType>(spec: WechatCall<S>, accessToken?: string): Promise<z.output<S>> {
    const { metrics } = this.options;
    const end = metrics.wechatDuration.startTimer({ api: spec.api });
    let raw: unknown;
    try {
      raw = await this.exchange(spec, accessToken);
    } catch (err) {
      end({ outcome: 'transport' });
      const reason = err instanceof Error ? err.name : 'error';
      this.options.logger.warn({ api: spec.api, reason }, 'WeChat API unreachable');
      throw wechatUnavailable(spec.api, `WeChat ${spec.api} unreachable`, err);
    }
    const head = ErrcodeHead.safeParse(raw);
    const errcode = head.success ? (head.data.errcode ?? 0) : 0;
    if (errcode !== 0) {
      end({ outcome: 'errcode' });
      metrics.wechatErrcodes.inc({ api: spec.api, errcode: String(errcode) });
      this.options.logger.info({ api: spec.api, errcode }, 'WeChat API returned an errcode');
      throw new WechatApiError(
        spec.api,
        errcode,
        mapWechatErrcode(spec.api, errcode),
        `WeChat ${spec.api} failed with errcode ${errcode}`,
      );
    }
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      end({ outcome: 'malformed' });
      this.options.logger.warn({ api: spec.api }, 'WeChat API answer has an unexpected shape');
      throw wechatUnavailable(spec.api, `WeChat ${spec.api} answered in an unexpected shape`);
    }
    end({ outcome: 'ok' });
    return parsed.data;
  }

  /** A call authenticated by `appid`'s access token, refreshed once if WeChat rejects it. */
  async callWithToken<S extends z.ZodType>(
    appid: string,
    spec: WechatCall<S>,
  ): Promise<z.output<S>> {
    const token = await this.tokens.getToken(appid);
    try {
      return await this.call(spec, token);
    } catch (err) {
      if (!(err instanceof WechatApiError) || !isAccessTokenInvalid(err.errcode)) throw err;
      const fresh = await this.tokens.refreshAfterRejection(appid, token);
      return this.call(spec, fresh);
    }
  }

  private async exchange(spec: WechatCall<z.ZodType>, accessToken?: string): Promise<unknown> {
    const url = new URL(spec.path, `${this.options.apiBase}/`);
    for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, v);
    if (accessToken !== undefined) url.searchParams.set('access_token', accessToken);
    const controller = new AbortController();
    const cancel = this.deadlines.start(() =>
      controller.abort(new DOMException(`no answer within ${this.timeoutMs} ms`, 'TimeoutError')),
    );
    try {
      const res = await this.doFetch(url, {
        method: spec.method,
        headers: spec.body === undefined ? {} : { 'content-type': 'application/json' },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: controller.signal,
        redirect: 'error',
      });
      return JSON.parse(await res.text()) as unknown;
    } finally {
      cancel();
    }
  }

  /**
   * Asks WeChat for a token. A refusal that only configuration can fix
   * (wrong or frozen AppSecret, IP allow-list, token quota) is logged at
   * error level with what to do, and answers SERVICE_UNAVAILABLE: it is
   * neither WeChat being down nor the user's phone-number quota.
   */
  private async fetchToken(appid: string, force: boolean): Promise<IssuedToken> {
    const credentials = { appid, secret: this.secretOf(appid) };
    const request = tokenRequest(this.options.accessTokenEndpoint, credentials, force);
    try {
      const res = await this.call({ ...request, schema: TokenResponse });
      return { token: res.access_token, expiresInSeconds: res.expires_in };
    } catch (err) {
      const fault = err instanceof WechatApiError ? credentialFault(err.errcode) : undefined;
      if (fault === undefined || !(err instanceof WechatApiError)) throw err;
      this.options.logger.error(
        { appid, errcode: err.errcode },
        `WeChat refused an access token: ${fault}`,
      );
      throw new WechatApiError(
        err.api,
        err.errcode,
        'SERVICE_UNAVAILABLE',
        `access token refused: ${fault}`,
        err,
      );
    }
  }
}
