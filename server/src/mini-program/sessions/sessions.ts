import { createHash } from 'node:crypto';
import { API_ROUTES, type CreateSessionResponse } from '@wxlink/contracts';
import type { Types } from 'mongoose';
import type { AppDeps } from '../../deps';
import { AppError } from '../../platform/errors';
import { CONFLICT, retryOnConflict } from '../../platform/retry';
import type { Session } from './session.model';
import type { LoginAudit } from './login-audit.model';
import { newUserFields, type User } from '../users/user.model';
import { toProductError, type WechatFailureMessages } from '../../wechat/errors';
import { WechatApiError } from '../../wechat/errors';
import { dropReplacedSessionKeys, sessionKeyWrite } from './session-keys';
import { toUserView } from '../users/user-view';

type Deps = Pick<
  AppDeps,
  'config' | 'clock' | 'random' | 'models' | 'wechat' | 'metrics' | 'inserts' | 'followerViews'
>;

/** 256 bits from the CSPRNG, base64url: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface LoginInput {
  code: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * POST /api/v1/sessions: exchanges the wx.login code, upserts the user by
 * openid, keeps the session_key (server side only) and issues a token.
 */
export async function login(deps: Deps, input: LoginInput): Promise<CreateSessionResponse> {
  const { clock, metrics } = deps;
  const audit = (outcome: string, userId: Types.ObjectId | null, firstLogin = false) => {
    const entry: Omit<LoginAudit, '_id'> = {
      at: clock.now(),
      userId,
      outcome,
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 256) ?? null,
      firstLogin,
    };
    // Every field typed, no mongoose document per login (bench/README.md);
    // concurrent logins share the insert command (platform/insert-batcher.ts).
    return deps.inserts.loginAudit.insert(entry);
  };

  let identity;
  try {
    identity = await deps.wechat.miniProgram.code2Session(input.code);
  } catch (err) {
    if (!(err instanceof WechatApiError)) throw err;
    metrics.logins.inc({ outcome: err.code });
    await audit(err.code, null);
    throw toProductError(err, LOGIN_FAILURES, API_ROUTES.createSession);
  }

  const user = await upsertUserOnLogin(deps, identity, input.ip);
  // Refused only now, after code2Session: WeChat has consumed the code either
  // way, and only its answer tells whose login this is.
  if (user.blockedAt != null) {
    metrics.logins.inc({ outcome: 'ACCOUNT_BLOCKED' });
    await audit('ACCOUNT_BLOCKED', user._id);
    throw new AppError('ACCOUNT_BLOCKED', ACCOUNT_BLOCKED);
  }
  // Database waits of a returning user's login: the rate-limit counter
  // (before this function), the user upsert (which also records the
  // session_key), and this one parallel group. If any of these fails the
  // request fails (500), but the others may have completed: an unused session
  // (its token was never handed out; it expires), an `ok` audit entry for a
  // login whose answer was an error. Harmless; the client retries.
  //
  // No liveness re-check after the writes: a 注销 that tombstones this user
  // meanwhile leaves the tombstone until account/deletion-sweep.ts erases,
  // after a settling time, whatever in-flight logins wrote for it; the token
  // answered here is refused from the tombstone on (401: log in again).
  const [session, , view] = await Promise.all([
    issueSession(deps, user._id, input.ip),
    audit('ok', user._id, user.loginCount === 1),
    toUserView(deps, user),
    dropReplacedSessionKeys(deps, user),
  ]);
  if (!view.hasUnionId) {
    // The unionid gap: a user the linkage cannot answer for (no unionid from
    // code2Session and none learned earlier from decrypted user data).
    metrics.loginsWithoutUnionid.inc({ appid: deps.config.miniProgram.appid });
  }
  metrics.logins.inc({ outcome: 'ok' });
  return { token: session.token, expiresAt: session.expiresAt.toISOString(), user: view };
}

/** What the mini-program hears when WeChat refuses a login. */
const LOGIN_FAILURES: WechatFailureMessages = {
  WECHAT_CODE_INVALID: 'The login code is invalid, expired or already used; call wx.login again',
  WECHAT_USER_BLOCKED: 'WeChat blocked this login (high-risk user)',
  RATE_LIMITED: 'Too many logins for this user; try again in a minute',
  SERVICE_UNAVAILABLE: 'Login is temporarily unavailable; try again later',
  default: 'WeChat could not complete the login; try again',
};

/**
 * One user per openid even when first logins race: an upsert on the unique
 * openid; the loser of an insert race gets E11000 and retries
 * (retryOnConflict), which then updates the winner's document. The same
 * write records the session_key (session-keys.ts). A tombstone (注销 under
 * way) has another miniOpenid, so it is never matched: the login creates
 * the new user a login after a deletion gets.
 *
 * Sent with the driver, every field typed (newUserFields gives what mongoose
 * would add on insert): mongoose's query casting was a tenth of a login's
 * CPU (bench/README.md).
 */
async function upsertUserOnLogin(
  deps: Deps,
  identity: { openid: string; unionid?: string | null; sessionKey: string },
  ip: string | null,
): Promise<User> {
  const now = deps.clock.now();
  const set: Record<string, unknown> = {
    lastLoginAt: now,
    lastLoginIp: ip,
    updatedAt: now,
    ...sessionKeyWrite(now, identity.sessionKey),
  };
  const onInsert: Record<string, unknown> = { ...newUserFields(identity.openid, now) };
  if (identity.unionid) set.unionid = identity.unionid;
  else onInsert.unionid = null;
  const openid = identity.openid;
  return retryOnConflict('first login of one openid', async () => {
    const user = await deps.models.User.collection.findOneAndUpdate(
      { miniOpenid: openid },
      { $set: set, $inc: { loginCount: 1 }, $setOnInsert: onInsert },
      { upsert: true, returnDocument: 'after' },
    );
    return (user as User | null) ?? CONFLICT;
  });
}

async function issueSession(
  deps: Deps,
  userId: Types.ObjectId,
  ip: string | null,
): Promise<{ token: string; expiresAt: Date }> {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.config.sessionTtlSeconds * 1000);
  const token = deps.random.bytes(TOKEN_BYTES).toString('base64url');
  const session: Omit<Session, '_id'> = {
    tokenHash: hashToken(token),
    userId,
    createdAt: now,
    expiresAt,
    revokedAt: null,
    ip,
  };
  await deps.inserts.sessions.insert(session);
  return { token, expiresAt };
}

export interface Authenticated {
  session: Session;
  user: User;
}

const SESSION_INVALID = 'Missing, unknown, expired or revoked session token; log in again';
const ACCOUNT_BLOCKED = 'This account has been blocked by the operator; contact support';

/**
 * Resolves a bearer token to its live session and user, or throws 401
 * SESSION_INVALID (also for a user being deleted), or 403 ACCOUNT_BLOCKED.
 */
export async function authenticate(
  deps: Pick<AppDeps, 'models' | 'clock'>,
  token: string | undefined,
): Promise<Authenticated> {
  // Anything that is not one of our tokens never reaches the database.
  if (token === undefined || !TOKEN_FORMAT.test(token)) {
    throw new AppError('SESSION_INVALID', SESSION_INVALID);
  }
  // Expiry is checked here, not left to the TTL index, which deletes late (or never).
  const session = await deps.models.Session.findOne({
    tokenHash: hashToken(token),
    revokedAt: null,
    expiresAt: { $gt: deps.clock.now() },
  })
    .lean<Session>()
    .exec();
  if (!session) throw new AppError('SESSION_INVALID', SESSION_INVALID);
  const user = await deps.models.User.findById(session.userId).lean<User>().exec();
  // A tombstone (注销 under way) is as gone as a deleted user.
  if (!user || user.deletedAt != null) throw new AppError('SESSION_INVALID', SESSION_INVALID);
  if (user.blockedAt != null) throw new AppError('ACCOUNT_BLOCKED', ACCOUNT_BLOCKED);
  return { session, user };
}

/** DELETE /api/v1/sessions/current. */
export async function revokeSession(
  deps: Pick<AppDeps, 'models' | 'clock'>,
  session: Pick<Session, '_id'>,
): Promise<void> {
  const res = await deps.models.Session.updateOne(
    { _id: session._id, revokedAt: null },
    { $set: { revokedAt: deps.clock.now() } },
  ).exec();
  if (res.matchedCount === 0) throw new AppError('SESSION_INVALID', SESSION_INVALID);
}
