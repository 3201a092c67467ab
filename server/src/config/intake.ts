/**
 * Configuration of what the server lets in: how old a push may be, who may
 * read /metrics, and how long a client or the database may keep a request
 * waiting. Parsed from the environment by loadConfig; each problem is one
 * line naming the variable, and the metrics token is never echoed.
 */

/** Limits on requests and pushes, merged into Config. */
export interface IntakeConfig {
  /**
   * PUSH_MAX_AGE_SECONDS: a push whose signed `timestamp` is older is refused,
   * and a plaintext push's signed query is bound to its body for this long.
   */
  readonly pushMaxAgeSeconds: number;
  /** METRICS_TOKEN: when set, GET /metrics requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  /** Node's server timeouts (slow or idle clients) and the API's answer deadline. */
  readonly httpTimeouts: HttpTimeouts;
}

/** How long a client or the database may hold a request, in milliseconds. */
export interface HttpTimeouts {
  /** All request headers must arrive within this (slowloris, idle sockets). */
  readonly headersMs: number;
  /** The whole request (headers and body) must arrive within this. */
  readonly requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveMs: number;
  /**
   * An /api/v1 request that has no answer this long after its body arrived
   * gets 503 SERVICE_UNAVAILABLE (a hung database). Longer than the WeChat
   * call timeout (5 s), so a slow WeChat keeps its own error.
   */
  readonly apiDeadlineMs: number;
}

/**
 * Clock skew tolerated between WeChat's servers and ours: a signed timestamp
 * or a CreateTime up to this far in the future is accepted.
 */
export const PUSH_CLOCK_SKEW_SECONDS = 60;

/** Shortest METRICS_TOKEN accepted: a guessable token is worse than none. */
export const METRICS_TOKEN_MIN_LENGTH = 16;

interface IntSetting {
  name: string;
  def: number;
  min: number;
  max: number;
}

function readInt(env: NodeJS.ProcessEnv, s: IntSetting, problems: string[]): number {
  const raw = env[s.name]?.trim();
  if (raw === undefined || raw === '') return s.def;
  if (!/^\d+$/.test(raw)) {
    problems.push(`${s.name} must be a whole number`);
    return s.def;
  }
  const n = Number(raw);
  if (n < s.min || n > s.max) {
    problems.push(`${s.name} must be between ${s.min} and ${s.max}`);
    return s.def;
  }
  return n;
}

function readMetricsToken(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  const token = env.METRICS_TOKEN?.trim();
  if (!token) return undefined;
  // The token travels in an HTTP header: visible ASCII only.
  if (token.length < METRICS_TOKEN_MIN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    problems.push(
      `METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} visible ASCII characters`,
    );
    return undefined;
  }
  return token;
}

/** Parses the intake settings; problems are appended to `problems`. */
export function loadIntakeConfig(env: NodeJS.ProcessEnv, problems: string[]): IntakeConfig {
  const int = (name: string, def: number, min: number, max: number) =>
    readInt(env, { name, def, min, max }, problems);
  const headersMs = int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 120_000);
  const requestMs = int('HTTP_REQUEST_TIMEOUT_MS', 15_000, 100, 600_000);
  if (requestMs < headersMs) {
    problems.push('HTTP_REQUEST_TIMEOUT_MS must not be shorter than HTTP_HEADERS_TIMEOUT_MS');
  }
  return {
    pushMaxAgeSeconds: int('PUSH_MAX_AGE_SECONDS', 300, 30, 86_400),
    metricsToken: readMetricsToken(env, problems),
    httpTimeouts: {
      headersMs,
      requestMs,
      keepAliveMs: int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 120_000),
      apiDeadlineMs: int('API_REQUEST_DEADLINE_MS', 6_000, 100, 120_000),
    },
  };
}
