import { isAccessTokenInvalid, mapWechatErrcode, type WechatApi } from '@wxlink/contracts';
import { checkSessionSignature } from '@wxlink/contracts/node';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config';
import type { Clock } from '../deps';
import type { Metrics } from '../platform/metrics';
import type { Models } from '../models';
import { AccessTokenBroker, tokenRequest, type IssuedToken } from './token-broker';
import {
  WechatApiError,
  wechatUnavailable,
  type Code2SessionResult,
  type FollowerInfo,
  type FollowerPage,
  type OAuthIdentity,
  type PhoneNumberResult,
  type WechatClient,
} from './types';

export type FetchLike = typeof fetch;

export interface WechatClientOptions {
  config: Pick<
    Config,
    'wechatApiBase' | 'wechatAccessTokenEndpoint' | 'miniProgram' | 'officialAccount'
  >;
  models: Pick<Models, 'AccessToken'>;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  /** Defaults to the global fetch (Node 20). */
  fetch?: FetchLike;
  /** Per-call timeout; WeChat usually answers in well under a second. */
  timeoutMs?: number;
  /** Lease-holder id of this instance for the token broker. */
  instanceId: string;
}

export interface HttpWechatClient extends WechatClient {
  readonly tokens: AccessTokenBroker;
}

// Response shapes, per the official docs. Only the fields we use are checked;
// WeChat adds fields over time, so unknown ones are ignored (no .strict()).
const errcodeField = { errcode: z.number().optional(), errmsg: z.string().optional() };

const Code2SessionResponse = z.object({
  openid: z.string().min(1).max(128),
  session_key: z.string().min(1).max(64),
  unionid: z.string().min(1).max(128).optional(),
});

const TokenResponse = z.object({
  access_token: z.string().min(1).max(2048),
  expires_in: z.number().int().positive(),
});

const PhoneResponse = z.object({
  phone_info: z.object({
    phoneNumber: z.string().min(1).max(32),
    purePhoneNumber: z.string().min(1).max(32),
    // The docs' example shows a number (86) where the table says string.
    countryCode: z.union([z.string(), z.number()]).transform(String),
  }),
});

const FollowerInfoResponse = z.object({
  subscribe: z.number(),
  openid: z.string().min(1),
  unionid: z.string().min(1).optional(),
  subscribe_time: z.number().optional(),
  subscribe_scene: z.string().optional(),
  qr_scene_str: z.string().optional(),
});

const BatchGetResponse = z.object({ user_info_list: z.array(FollowerInfoResponse) });

const UserGetResponse = z.object({
  total: z.number(),
  count: z.number(),
  // Absent when the page is empty.
  data: z.object({ openid: z.array(z.string()) }).optional(),
  next_openid: z.string().optional(),
});

const OAuthResponse = z.object({
  openid: z.string().min(1),
  unionid: z.string().min(1).optional(),
  is_snapshotuser: z.number().optional(),
});

type AppKind = 'miniProgram' | 'officialAccount';

interface CallSpec<S extends z.ZodType> {
  api: WechatApi;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  schema: S;
  /** Which app's access_token to append; none for calls authenticated by appid+secret. */
  token?: AppKind;
}

/**
 * The WeChat API over fetch. Every call has a timeout, is measured, maps
 * errcodes to product error codes through contracts' mapWechatErrcode, and
 * never logs URLs (they carry secrets, codes and access tokens). Calls that
 * need an access_token get it from the broker and, when WeChat rejects it
 * (40001/42001/40014), refresh once and retry once.
 */
export function createWechatClient(options: WechatClientOptions): HttpWechatClient {
  const { config, metrics, logger } = options;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const base = config.wechatApiBase;
  const appidOf = (kind: AppKind) => config[kind].appid;
  const secretOf = (appid: string): string => {
    if (appid === config.miniProgram.appid) return config.miniProgram.secret;
    if (appid === config.officialAccount.appid) return config.officialAccount.secret;
    throw new Error('unknown appid');
  };

  /** One HTTP exchange; returns the parsed body or throws WechatApiError. */
  async function call<S extends z.ZodType>(
    spec: Omit<CallSpec<S>, 'token'>,
    accessToken?: string,
  ): Promise<z.output<S>> {
    const url = new URL(spec.path, `${base}/`);
    for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, v);
    if (accessToken !== undefined) url.searchParams.set('access_token', accessToken);
    const end = metrics.wechatDuration.startTimer({ api: spec.api });
    let raw: unknown;
    try {
      const res = await doFetch(url, {
        method: spec.method,
        headers: spec.body === undefined ? {} : { 'content-type': 'application/json' },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      const text = await res.text();
      raw = JSON.parse(text) as unknown;
    } catch (err) {
      end({ outcome: 'transport' });
      const reason = err instanceof Error ? err.name : 'error';
      logger.warn({ api: spec.api, reason }, 'WeChat API unreachable');
      throw wechatUnavailable(spec.api, `WeChat ${spec.api} unreachable`);
    }
    const head = z.object(errcodeField).safeParse(raw);
    const errcode = head.success ? (head.data.errcode ?? 0) : 0;
    if (errcode !== 0) {
      end({ outcome: 'errcode' });
      metrics.wechatErrcodes.inc({ api: spec.api, errcode: String(errcode) });
      logger.info({ api: spec.api, errcode }, 'WeChat API returned an errcode');
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
      logger.warn({ api: spec.api }, 'WeChat API answer has an unexpected shape');
      throw wechatUnavailable(spec.api, `WeChat ${spec.api} answered in an unexpected shape`);
    }
    end({ outcome: 'ok' });
    return parsed.data;
  }

  const endpoint = config.wechatAccessTokenEndpoint;
  const fetchToken = async (appid: string, { force }: { force: boolean }): Promise<IssuedToken> => {
    const request = tokenRequest(endpoint, { appid, secret: secretOf(appid) }, force);
    const res = await call({ ...request, schema: TokenResponse });
    return { token: res.access_token, expiresInSeconds: res.expires_in };
  };

  const tokens = new AccessTokenBroker({
    model: options.models.AccessToken,
    fetchToken,
    endpoint,
    clock: options.clock,
    logger,
    metrics,
    instanceId: options.instanceId,
  });

  /** A call that needs an access_token: one refresh-and-retry when WeChat rejects the token. */
  async function callWithToken<S extends z.ZodType>(
    spec: CallSpec<S> & { token: AppKind },
  ): Promise<z.output<S>> {
    const appid = appidOf(spec.token);
    const token = await tokens.getToken(appid);
    try {
      return await call(spec, token);
    } catch (err) {
      if (!(err instanceof WechatApiError) || !isAccessTokenInvalid(err.errcode)) throw err;
      const fresh = await tokens.refreshAfterRejection(appid, token);
      return call(spec, fresh);
    }
  }

  const toFollower = (u: z.output<typeof FollowerInfoResponse>): FollowerInfo => {
    const info: FollowerInfo = { openid: u.openid, subscribed: u.subscribe === 1 };
    if (u.unionid) info.unionid = u.unionid;
    if (u.subscribe === 1 && u.subscribe_time !== undefined) info.subscribeTime = u.subscribe_time;
    if (u.subscribe_scene) info.subscribeScene = u.subscribe_scene;
    if (u.qr_scene_str) info.qrScene = u.qr_scene_str;
    return info;
  };

  return {
    tokens,

    async code2Session(code: string): Promise<Code2SessionResult> {
      const res = await call({
        api: 'code2Session',
        method: 'GET',
        path: 'sns/jscode2session',
        query: {
          appid: config.miniProgram.appid,
          secret: config.miniProgram.secret,
          js_code: code,
          grant_type: 'authorization_code',
        },
        schema: Code2SessionResponse,
      });
      const result: Code2SessionResult = { openid: res.openid, sessionKey: res.session_key };
      if (res.unionid) result.unionid = res.unionid;
      return result;
    },

    async checkSession(openid: string, sessionKey: string): Promise<boolean> {
      try {
        await callWithToken({
          api: 'checkSession',
          method: 'GET',
          path: 'wxa/checksession',
          query: {
            openid,
            signature: checkSessionSignature(sessionKey),
            sig_method: 'hmac_sha256',
          },
          schema: z.object(errcodeField),
          token: 'miniProgram',
        });
        return true;
      } catch (err) {
        // 87009 "invalid signature": the key is not the user's current one.
        if (err instanceof WechatApiError && err.errcode === 87009) return false;
        throw err;
      }
    },

    async getPhoneNumber(code: string): Promise<PhoneNumberResult> {
      const res = await callWithToken({
        api: 'phoneNumber',
        method: 'POST',
        path: 'wxa/business/getuserphonenumber',
        body: { code },
        schema: PhoneResponse,
        token: 'miniProgram',
      });
      return {
        phoneNumber: res.phone_info.phoneNumber,
        purePhoneNumber: res.phone_info.purePhoneNumber,
        countryCode: res.phone_info.countryCode,
      };
    },

    async getFollowerInfo(openid: string): Promise<FollowerInfo> {
      const res = await callWithToken({
        api: 'userInfo',
        method: 'GET',
        path: 'cgi-bin/user/info',
        query: { openid, lang: 'zh_CN' },
        schema: FollowerInfoResponse,
        token: 'officialAccount',
      });
      return toFollower(res);
    },

    async batchGetFollowerInfo(openids: readonly string[]): Promise<FollowerInfo[]> {
      if (openids.length === 0) return [];
      if (openids.length > 100) throw new RangeError('batchget takes at most 100 openids');
      const res = await callWithToken({
        api: 'userInfo',
        method: 'POST',
        path: 'cgi-bin/user/info/batchget',
        body: { user_list: openids.map((openid) => ({ openid, lang: 'zh_CN' })) },
        schema: BatchGetResponse,
        token: 'officialAccount',
      });
      return res.user_info_list.map(toFollower);
    },

    async listFollowers(nextOpenid?: string): Promise<FollowerPage> {
      const res = await callWithToken({
        api: 'userGet',
        method: 'GET',
        path: 'cgi-bin/user/get',
        query: nextOpenid ? { next_openid: nextOpenid } : {},
        schema: UserGetResponse,
        token: 'officialAccount',
      });
      const openids = res.data?.openid ?? [];
      return {
        total: res.total,
        openids,
        // WeChat repeats the last openid as next_openid even on the last page;
        // an empty page (count 0) is the real end.
        nextOpenid: res.count === 0 || openids.length === 0 ? '' : (res.next_openid ?? ''),
      };
    },

    async exchangeOAuthCode(code: string): Promise<OAuthIdentity> {
      const res = await call({
        api: 'oauthAccessToken',
        method: 'GET',
        path: 'sns/oauth2/access_token',
        query: {
          appid: config.officialAccount.appid,
          secret: config.officialAccount.secret,
          code,
          grant_type: 'authorization_code',
        },
        schema: OAuthResponse,
      });
      const identity: OAuthIdentity = {
        openid: res.openid,
        isSnapshotUser: res.is_snapshotuser === 1,
      };
      if (res.unionid) identity.unionid = res.unionid;
      return identity;
    },
  };
}
