/**
 * Configuration of the follower linkage: what is kept after an unfollow, how
 * often the follower list is reconciled with WeChat's, how long processed
 * inbox entries are kept, and where linkage events are POSTed. Parsed from
 * the environment; each problem is one line naming the variable.
 */

/** `erase`: on unfollow keep only a tombstone; `keep`: keep the record (privacy policy permitting). */
export type FollowerRetention = 'erase' | 'keep';

/** The linkage part of the server configuration (`config.linkage`). */
export interface LinkageConfig {
  readonly followerRetention: FollowerRetention;
  /** Seconds between reconciliations of the follower list; 0 disables them (the first import still runs). */
  readonly followerReconcileIntervalSeconds: number;
  /** Days a processed inbox entry is kept; dead letters stay until replayed. */
  readonly inboxRetentionDays: number;
  /** Where linkage events are POSTed, with the HMAC-SHA256 key; unset: no webhook. */
  readonly webhook: { readonly url: string; readonly secret: string } | undefined;
}

/** The defaults the README's configuration table lists. */
export const LINKAGE_DEFAULTS = {
  followerRetention: 'erase',
  followerReconcileIntervalSeconds: 86_400,
  inboxRetentionDays: 7,
} as const;

const WHOLE = /^\d+$/;

function wholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  def: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return def;
  if (!WHOLE.test(raw) || Number(raw) > max) {
    problems.push(`${name} must be a whole number between 0 and ${max}`);
    return def;
  }
  return Number(raw);
}

function retentionOf(env: NodeJS.ProcessEnv, problems: string[]): FollowerRetention {
  const raw = env.FOLLOWER_RETENTION?.trim() ?? '';
  if (raw === '') return LINKAGE_DEFAULTS.followerRetention;
  if (raw === 'erase' || raw === 'keep') return raw;
  problems.push('FOLLOWER_RETENTION must be erase or keep');
  return LINKAGE_DEFAULTS.followerRetention;
}

function webhookOf(env: NodeJS.ProcessEnv, problems: string[]): LinkageConfig['webhook'] {
  const url = env.LINKAGE_WEBHOOK_URL?.trim() ?? '';
  const secret = env.LINKAGE_WEBHOOK_SECRET?.trim() ?? '';
  if (url === '' && secret === '') return undefined;
  if (url === '' || secret === '') {
    problems.push('LINKAGE_WEBHOOK_URL and LINKAGE_WEBHOOK_SECRET must be set together');
    return undefined;
  }
  let ok: boolean;
  try {
    const parsed = new URL(url);
    ok = parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) problems.push('LINKAGE_WEBHOOK_URL must be an http(s) URL');
  // The receiver verifies with it: a short key is guessable (the value is never echoed).
  if (secret.length < 16) problems.push('LINKAGE_WEBHOOK_SECRET must be at least 16 characters');
  return ok ? { url, secret } : undefined;
}

/** Parses the linkage variables, appending one line per problem to `problems`. */
export function loadLinkageConfig(env: NodeJS.ProcessEnv, problems: string[]): LinkageConfig {
  return {
    followerRetention: retentionOf(env, problems),
    followerReconcileIntervalSeconds: wholeNumber(
      env,
      'FOLLOWER_RECONCILE_INTERVAL_SECONDS',
      LINKAGE_DEFAULTS.followerReconcileIntervalSeconds,
      31_536_000,
      problems,
    ),
    inboxRetentionDays: wholeNumber(
      env,
      'INBOX_RETENTION_DAYS',
      LINKAGE_DEFAULTS.inboxRetentionDays,
      3650,
      problems,
    ),
    webhook: webhookOf(env, problems),
  };
}
