import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppDeps } from '../../deps';
import { AppError } from '../../platform/errors';
import { isDuplicateKeyError } from '../../platform/retry';

/**
 * The web-OAuth `state` (CSRF protection for the callback), self-contained so
 * that starting OAuth writes nothing: an anonymous visitor who never comes
 * back costs no database write.
 *
 * WeChat: "state 重定向后会带上state参数，开发者可以填写a-zA-Z0-9的参数值，
 * 最多128字节". The state is lowercase hex:
 *   nonce (24, 96 bits) + expiry (8, unix seconds) + MAC (32, HMAC-SHA256/128)
 *   + returnTo as UTF-8 hex when it fits (at most 64 more: 32 bytes).
 * A longer returnTo travels in the redirect_uri's own query string (WeChat
 * appends `code` and `state` to redirect_uri, keeping its query). The MAC
 * covers (appid, nonce, expiry, returnTo) wherever returnTo travels, so a
 * state works only for the account that issued it and with its own returnTo.
 * Single use: the callback inserts the nonce into a collection with a unique
 * key; the second insert fails (the only write, and only for a valid state).
 */
const OAUTH_STATE_TTL_SECONDS = 600;
const STATE_FORMAT = /^[0-9a-f]{64}(?:[0-9a-f]{2}){0,32}$/;
/** Bytes of returnTo carried inside the state (128 hex characters in all). */
const RETURN_TO_IN_STATE_MAX_BYTES = 32;
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
function stateKey(config: AppDeps['config'], random: AppDeps['random']): Buffer {
  if (config.oauthStateSecret !== undefined) return Buffer.from(config.oauthStateSecret, 'utf8');
  if (config.officialAccount.secret !== '') {
    return createHmac('sha256', config.officialAccount.secret)
      .update('wxlink/oauth-state/v1')
      .digest();
  }
  ephemeralKey ??= random.bytes(32);
  return ephemeralKey;
}

function mac(key: Buffer, appid: string, fields: string, returnTo: string): Buffer {
  // Length-prefixed parts: no two (appid, returnTo) pairs share one MAC input.
  const input = ['wxlink/oauth-state/v2', appid, fields, returnTo]
    .map((part) => `${part.length}:${part}`)
    .join('');
  return createHmac('sha256', key).update(input).digest().subarray(0, 16);
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

/** A state for `appid`, and where returnTo travels: in the state, or in the callback's query. */
export interface IssuedOAuthState {
  state: string;
  /** Set when returnTo is too long for the state: add it to redirect_uri as `?returnTo=`. */
  returnToInQuery: string | undefined;
}

/** Issues a state for `appid` and `returnTo` (already validated). Writes nothing. */
export function issueOAuthState(
  deps: StateDeps,
  appid: string,
  returnTo: string,
): IssuedOAuthState {
  const nonce = deps.random.bytes(12).toString('hex');
  const exp = Math.floor(deps.clock.now().getTime() / 1000) + OAUTH_STATE_TTL_SECONDS;
  const fields = nonce + exp.toString(16).padStart(8, '0');
  const tag = mac(stateKey(deps.config, deps.random), appid, fields, returnTo).toString('hex');
  const bytes = Buffer.from(returnTo, 'utf8');
  const inState = bytes.length <= RETURN_TO_IN_STATE_MAX_BYTES;
  return {
    state: fields + tag + (inState ? bytes.toString('hex') : ''),
    returnToInQuery: inState ? undefined : returnTo,
  };
}

/**
 * Verifies and consumes a state at `appid`'s callback; returns its returnTo.
 * `returnToParam` is the callback's `returnTo` query parameter (present only
 * when the returnTo did not fit in the state). Throws OAUTH_STATE_INVALID.
 */
export async function consumeOAuthState(
  deps: StateDeps,
  appid: string,
  state: unknown,
  returnToParam: unknown,
): Promise<string> {
  if (typeof state !== 'string' || !STATE_FORMAT.test(state)) throw invalidState('malformed');
  const fields = state.slice(0, 32);
  const given = Buffer.from(state.slice(32, 64), 'hex');
  const returnTo = returnToOf(state.slice(64), returnToParam);
  const expected = mac(stateKey(deps.config, deps.random), appid, fields, returnTo);
  if (!timingSafeEqual(given, expected)) throw invalidState('signature mismatch');
  const nonce = fields.slice(0, 24);
  const expiresAt = new Date(Number.parseInt(fields.slice(24), 16) * 1000);
  if (expiresAt.getTime() <= deps.clock.now().getTime()) throw invalidState('expired');
  try {
    await deps.models.OAuthState.create({ nonce, appid, expiresAt });
  } catch (err) {
    if (isDuplicateKeyError(err)) throw invalidState('already used');
    throw err;
  }
  return returnTo;
}

/** returnTo from the state's tail, else from the query (a state never carries both). */
function returnToOf(tailHex: string, returnToParam: unknown): string {
  if (tailHex !== '') {
    if (returnToParam !== undefined) throw invalidState('returnTo given twice');
    const text = Buffer.from(tailHex, 'hex').toString('utf8');
    // Decoding must round-trip: invalid UTF-8 was never issued by us.
    if (Buffer.from(text, 'utf8').toString('hex') !== tailHex) throw invalidState('malformed');
    return text;
  }
  if (typeof returnToParam !== 'string') throw invalidState('returnTo missing');
  return returnToParam;
}
