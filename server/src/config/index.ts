import { compile as compileProxyTrust } from 'proxy-addr';
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { loadIntakeConfig, type IntakeConfig } from './intake';
import { loadLimits, type LimitsConfig } from './limits';
import { loadLinkageConfig, type LinkageConfig } from './linkage';
import { loadOfficialAccounts, type OfficialAccountConfig } from './official-accounts';

export type { EncryptMode, OfficialAccountConfig } from './official-accounts';
export type { LimitsConfig } from './limits';

/**
 * Runtime configuration, parsed once at start from the environment. Names and
 * defaults are fixed by the product contract (docs/api.md, README). A problem is reported as one line naming
 * the variable; secrets are never echoed back.
 */
/**
 * Where access tokens come from: `stable` = POST cgi-bin/stable_token (the
 * default: several systems sharing an appid do not invalidate each other's
 * tokens), `classic` = GET cgi-bin/token (every call mints a new token and the
 * previous one dies 5 minutes later).
 */
export type AccessTokenEndpoint = 'stable' | 'classic';

export interface Config extends IntakeConfig {
  readonly port: number;
  /** Unset: the embedded, non-persistent database is used (dev/demo only). */
  readonly mongodbUri: string | undefined;
  readonly wechatApiBase: string;
  readonly wechatOpenBase: string;
  readonly wechatAccessTokenEndpoint: AccessTokenEndpoint;
  readonly miniProgram: { readonly appid: string; readonly secret: string };
  /** Every official account served, in configuration order (OFFICIAL_ACCOUNTS_FILE or OFFICIAL_ACCOUNT_*). */
  readonly officialAccounts: readonly OfficialAccountConfig[];
  /** The primary official account: `officialAccounts[0]`. */
  readonly officialAccount: OfficialAccountConfig;
  readonly publicBaseUrl: string;
  readonly sessionTtlSeconds: number;
  /** 0 disables the watermark age check. */
  readonly watermarkMaxAgeSeconds: number;
  /** How long the previous session_key of an openid is still accepted after a new login. */
  readonly sessionKeyGraceSeconds: number;
  /** Secret for signing web-OAuth `state`; derived from the official-account secret when unset. */
  readonly oauthStateSecret: string | undefined;
  /** Express `trust proxy` setting, so req.ip is the client behind a reverse proxy. */
  readonly trustProxy: string | number | boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Requests per minute per IP on POST /api/v1/sessions (high: many users share one IP). */
  readonly loginRateLimitPerMinute: number;
  /** Abuse bounds per client and per user (config/limits.ts). */
  readonly limits: LimitsConfig;
  /**
   * WeChat's answer deadline for a push (5 s). A push that cannot be stored
   * gets no answer and its connection is closed at this deadline, so WeChat
   * retries; tests shorten it.
   */
  readonly pushAnswerDeadlineMs: number;
  /** Follower retention, reconciliation, inbox retention, linkage webhook (config/linkage.ts). */
  readonly linkage: LinkageConfig;
}

/** Missing or malformed configuration: one line per problem, each naming the variable. */
export class ConfigError extends AppError<'CONFIGURATION_INVALID'> {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super('CONFIGURATION_INVALID', problems.join('\n'));
  }
}

/** `production` requires real credentials; `development` accepts missing ones (dev.ts supplies sandbox ones). */
export type ConfigMode = 'production' | 'development';

const intFrom = (name: string, def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      if (!/^\d+$/.test(v.trim())) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number` });
        return z.NEVER;
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be between ${min} and ${max}` });
        return z.NEVER;
      }
      return n;
    });

const url = (name: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, `${name} must be an http(s) URL`)
    .transform((v) => v.replace(/\/+$/, ''));

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.');
    // Never echo the received value: it may be a secret.
    return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
  });
}

/** The single-valued variables, with their defaults and bounds. */
const SCALARS = z.object({
  PORT: intFrom('PORT', 3000, 0, 65535),
  SESSION_TTL_SECONDS: intFrom('SESSION_TTL_SECONDS', 604_800, 60, 31_536_000),
  WATERMARK_MAX_AGE_SECONDS: intFrom('WATERMARK_MAX_AGE_SECONDS', 600, 0, 31_536_000),
  SESSION_KEY_GRACE_SECONDS: intFrom('SESSION_KEY_GRACE_SECONDS', 300, 0, 3600),
  LOGIN_RATE_LIMIT_PER_MINUTE: intFrom('LOGIN_RATE_LIMIT_PER_MINUTE', 600, 1, 100_000),
  PUSH_ANSWER_DEADLINE_MS: intFrom('PUSH_ANSWER_DEADLINE_MS', 5000, 100, 30_000),
  WECHAT_API_BASE: url('WECHAT_API_BASE').default('https://api.weixin.qq.com'),
  WECHAT_OPEN_BASE: url('WECHAT_OPEN_BASE').default('https://open.weixin.qq.com'),
  PUBLIC_BASE_URL: url('PUBLIC_BASE_URL').optional(),
  WECHAT_ACCESS_TOKEN_ENDPOINT: z
    .enum(['stable', 'classic'], {
      message: 'WECHAT_ACCESS_TOKEN_ENDPOINT must be stable or classic',
    })
    .default('stable'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
});

/** Parses the single-valued variables (empty counts as unset). */
function parseScalars(env: NodeJS.ProcessEnv) {
  const emptyToUndefined = (v: string | undefined) => (v?.trim() === '' ? undefined : v);
  return SCALARS.safeParse({
    PORT: env.PORT,
    SESSION_TTL_SECONDS: env.SESSION_TTL_SECONDS,
    WATERMARK_MAX_AGE_SECONDS: env.WATERMARK_MAX_AGE_SECONDS,
    SESSION_KEY_GRACE_SECONDS: env.SESSION_KEY_GRACE_SECONDS,
    LOGIN_RATE_LIMIT_PER_MINUTE: env.LOGIN_RATE_LIMIT_PER_MINUTE,
    PUSH_ANSWER_DEADLINE_MS: env.PUSH_ANSWER_DEADLINE_MS,
    WECHAT_API_BASE: emptyToUndefined(env.WECHAT_API_BASE),
    WECHAT_OPEN_BASE: emptyToUndefined(env.WECHAT_OPEN_BASE),
    PUBLIC_BASE_URL: emptyToUndefined(env.PUBLIC_BASE_URL),
    WECHAT_ACCESS_TOKEN_ENDPOINT: emptyToUndefined(env.WECHAT_ACCESS_TOKEN_ENDPOINT)?.trim(),
    LOG_LEVEL: emptyToUndefined(env.LOG_LEVEL),
  });
}

/** Parses the environment. Throws ConfigError listing every problem, one line each. */
export function loadConfig(env: NodeJS.ProcessEnv, mode: ConfigMode = 'production'): Config {
  const problems: string[] = [];
  const required = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) {
      if (mode === 'production') problems.push(`${name} is required`);
      return '';
    }
    return v;
  };

  const parsed = parseScalars(env);
  if (!parsed.success) problems.push(...problemsOf(parsed.error));

  const miniProgram = {
    appid: required('MINIPROGRAM_APPID'),
    secret: required('MINIPROGRAM_SECRET'),
  };
  const officialAccounts = loadOfficialAccounts(env, mode === 'production', problems);
  const intake = loadIntakeConfig(env, problems);
  const limits = loadLimits(env, problems);

  const linkage = loadLinkageConfig(env, problems);
  const oauthStateSecret = env.OAUTH_STATE_SECRET?.trim() || undefined;
  if (oauthStateSecret !== undefined && oauthStateSecret.length < 32) {
    problems.push('OAUTH_STATE_SECRET must be at least 32 characters');
  }
  const mongodbUri = env.MONGODB_URI?.trim() || undefined;
  if (mongodbUri !== undefined && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    problems.push('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  }

  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  if (trustProxy === undefined) {
    problems.push(
      'TRUST_PROXY must be true, false, a hop count, or comma-separated IPs/CIDR subnets (or loopback, linklocal, uniquelocal)',
    );
  }

  if (problems.length > 0 || !parsed.success || trustProxy === undefined) {
    throw new ConfigError(problems);
  }
  const d = parsed.data;
  return {
    port: d.PORT,
    mongodbUri,
    wechatApiBase: d.WECHAT_API_BASE,
    wechatOpenBase: d.WECHAT_OPEN_BASE,
    wechatAccessTokenEndpoint: d.WECHAT_ACCESS_TOKEN_ENDPOINT,
    miniProgram,
    officialAccounts,
    officialAccount: officialAccounts[0]!,
    publicBaseUrl: d.PUBLIC_BASE_URL ?? `http://localhost:${d.PORT}`,
    sessionTtlSeconds: d.SESSION_TTL_SECONDS,
    watermarkMaxAgeSeconds: d.WATERMARK_MAX_AGE_SECONDS,
    sessionKeyGraceSeconds: d.SESSION_KEY_GRACE_SECONDS,
    oauthStateSecret,
    trustProxy,
    logLevel: d.LOG_LEVEL,
    loginRateLimitPerMinute: d.LOGIN_RATE_LIMIT_PER_MINUTE,
    limits,
    pushAnswerDeadlineMs: d.PUSH_ANSWER_DEADLINE_MS,
    ...intake,
    linkage,
  };
}

/**
 * TRUST_PROXY as Express's `trust proxy` setting, or undefined when Express
 * would reject it: the list is compiled here with `proxy-addr` (what Express
 * itself uses), so a typo fails config instead of crashing at start.
 */
export function parseTrustProxy(v: string | undefined): string | number | boolean | undefined {
  const t = v?.trim();
  if (!t) return false;
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^\d+$/.test(t)) {
    const hops = Number(t);
    return Number.isSafeInteger(hops) ? hops : undefined;
  }
  // Express splits on commas and trims each entry; an empty entry is invalid.
  const entries = t.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) return undefined;
  try {
    compileProxyTrust(entries);
  } catch {
    return undefined;
  }
  return entries.join(',');
}
