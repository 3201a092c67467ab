import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppDeps } from '../../deps';
import { AppError } from '../../platform/errors';

/**
 * The web-OAuth `state` (CSRF protection for the callback).
 *
 * WeChat accepts at most 128 characters of [A-Za-z0-9] in `state`, so it
 * cannot carry the return path itself. It is
 *   nonce (32 hex) + expiry (8 hex, unix seconds) + HMAC-SHA256 (64 hex)
 * and the nonce names a server-side record holding `returnTo`. The callback
 * checks the MAC (constant time) and the expiry, then consumes the record
 * atomically: a state works once, and only if this server issued it.
 */
export const OAUTH_STATE_TTL_SECONDS = 600;
const STATE_FORMAT = /^[0-9a-f]{104}$/;
const MAX_RETURN_TO = 512;

type StateDeps = Pick<AppDeps, 'config' | 'clock' | 'random' | 'models'>;

const invalidState = (why: string): AppError =>
  new AppError('OAUTH_STATE_INVALID', `OAuth state is invalid: ${why}`);

/** A per-process key when no secret is configured at all (dev without credentials). */
let ephemeralKey: Buffer | undefined;

/**
 * OAUTH_STATE_SECRET when set, else a key derived from the official account's
 * secret (domain-separated, so the state MAC never equals anything WeChat sees).
 */
export function stateKey(config: AppDeps['config'], random: AppDeps['random']): Buffer {
  if (config.oauthStateSecret !== undefined) return Buffer.from(config.oauthStateSecret, 'utf8');
  if (config.officialAccount.secret !== '') {
    return createHmac('sha256', config.officialAccount.secret)
      .update('wxlink/oauth-state/v1')
      .digest();
  }
  ephemeralKey ??= random.bytes(32);
  return ephemeralKey;
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('hex');
}

/**
 * Accepts only a same-site path: one leading '/', no '//' or '/\' (which
 * browsers treat as another host), no scheme, no control characters, bounded.
 * Missing means '/'.
 */
export function validateReturnTo(value: unknown): string {
  if (value === undefined || value === '') return '/';
  const bad = (why: string): AppError => new AppError('VALIDATION_FAILED', `returnTo: ${why}`);
  if (typeof value !== 'string') throw bad('must be a single path');
  if (value.length > MAX_RETURN_TO) throw bad(`must be at most ${MAX_RETURN_TO} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value))
    throw bad('must not contain control characters or backslashes');
  if (!value.startsWith('/') || value.startsWith('//')) throw bad('must be a path on this site');
  // Belt and braces: resolving against a dummy origin must not leave it.
  const base = 'http://same-site.invalid';
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    throw bad('is not a valid path');
  }
  if (resolved.origin !== base) throw bad('must be a path on this site');
  return value;
}

export async function issueOAuthState(deps: StateDeps, returnTo: string): Promise<string> {
  const now = deps.clock.now();
  const nonce = deps.random.bytes(16).toString('hex');
  const exp = Math.floor(now.getTime() / 1000) + OAUTH_STATE_TTL_SECONDS;
  const expHex = exp.toString(16).padStart(8, '0');
  await deps.models.OAuthState.create({
    nonce,
    returnTo,
    expiresAt: new Date(exp * 1000),
    usedAt: null,
    createdAt: now,
  });
  const body = nonce + expHex;
  return body + mac(stateKey(deps.config, deps.random), body);
}

/** Verifies and consumes a state; returns its returnTo. Throws OAUTH_STATE_INVALID. */
export async function consumeOAuthState(deps: StateDeps, state: unknown): Promise<string> {
  if (typeof state !== 'string' || !STATE_FORMAT.test(state)) throw invalidState('malformed');
  const body = state.slice(0, 40);
  const given = Buffer.from(state.slice(40), 'hex');
  const expected = Buffer.from(mac(stateKey(deps.config, deps.random), body), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw invalidState('signature mismatch');
  }
  const nonce = body.slice(0, 32);
  const exp = Number.parseInt(body.slice(32), 16);
  const now = deps.clock.now();
  if (exp * 1000 <= now.getTime()) throw invalidState('expired');
  const record = await deps.models.OAuthState.findOne({ nonce }).lean();
  if (record === null || record.usedAt !== null || record.expiresAt.getTime() <= now.getTime()) {
    throw invalidState('already used or unknown');
  }
  // Single use: of two concurrent callbacks with one state, only the one whose
  // guarded update flips `usedAt` wins.
  const res = await deps.models.OAuthState.updateOne(
    { _id: record._id, usedAt: null },
    { $set: { usedAt: now } },
  );
  if (res.modifiedCount !== 1) throw invalidState('already used');
  return record.returnTo;
}
