/**
 * Per-client and per-user limits (abuse bounds that are not WeChat's own).
 * Parsed from the environment by loadConfig; problems are reported as one
 * line naming the variable, like every other setting.
 */
export interface LimitsConfig {
  /**
   * Failed logins (WECHAT_CODE_INVALID) per minute per IP before that IP's
   * logins are refused (429) for the rest of the minute. Successful logins do
   * not count, so many users behind one address are never limited by it.
   */
  readonly loginFailuresPerMinute: number;
  /** Avatar uploads per minute per user. */
  readonly avatarUploadsPerMinute: number;
  /** Uploaded avatars kept per user besides the current one; older unreferenced ones are deleted. */
  readonly avatarsKept: number;
  /** wxa/checksession diagnoses per user per window (a bad signature on POST /me/profile). */
  readonly checkSessionsPerWindow: number;
  readonly checkSessionWindowSeconds: number;
}

interface Setting {
  readonly env: string;
  readonly key: keyof LimitsConfig;
  readonly def: number;
  readonly min: number;
  readonly max: number;
}

const SETTINGS: readonly Setting[] = [
  {
    env: 'LOGIN_FAILURE_LIMIT_PER_MINUTE',
    key: 'loginFailuresPerMinute',
    def: 20,
    min: 1,
    max: 100_000,
  },
  {
    env: 'AVATAR_UPLOAD_LIMIT_PER_MINUTE',
    key: 'avatarUploadsPerMinute',
    def: 10,
    min: 1,
    max: 10_000,
  },
  { env: 'AVATARS_KEPT', key: 'avatarsKept', def: 5, min: 1, max: 100 },
  {
    env: 'CHECKSESSION_LIMIT_PER_USER',
    key: 'checkSessionsPerWindow',
    def: 5,
    min: 1,
    max: 10_000,
  },
  {
    env: 'CHECKSESSION_LIMIT_WINDOW_SECONDS',
    key: 'checkSessionWindowSeconds',
    def: 600,
    min: 1,
    max: 86_400,
  },
];

/** Reads the LimitsConfig variables; each malformed one adds a line to `problems`. */
export function loadLimits(env: NodeJS.ProcessEnv, problems: string[]): LimitsConfig {
  const out: Record<string, number> = {};
  for (const s of SETTINGS) {
    const raw = env[s.env]?.trim();
    out[s.key] = s.def;
    if (raw === undefined || raw === '') continue;
    const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (Number.isNaN(n)) problems.push(`${s.env} must be a whole number`);
    else if (n < s.min || n > s.max)
      problems.push(`${s.env} must be between ${s.min} and ${s.max}`);
    else out[s.key] = n;
  }
  return out as unknown as LimitsConfig;
}
