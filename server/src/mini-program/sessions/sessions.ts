import { createHash } from 'node:crypto';
import type { CreateSessionResponse } from '@wxlink/contracts';
import type { Types } from 'mongoose';
import type { AppDeps } from '../../deps';
import { AppError } from '../../platform/errors';
import { CONFLICT, retryOnConflict } from '../../platform/retry';
import type { Session } from './session.model';
import type { User } from '../users/user.model';
import { toProductError, type WechatFailureMessages } from '../../wechat/errors';
import { WechatApiError } from '../../wechat/errors';
import { storeSessionKey } from './session-keys';
import { toUserView } from '../users/user-view';
import { eraseLoginTraces, isLiveUser } from '../account/delete-account';

type Deps = Pick<AppDeps, 'config' | 'clock' | 'random' | 'models' | 'wechat' | 'metrics'>;

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
  const { models, clock, metrics } = deps;
  const audit = (outcome: string, userId: Types.ObjectId | null, firstLogin = false) =>
    models.LoginAudit.create({
      at: clock.now(),
      userId,
      outcome,
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 256) ?? null,
      firstLogin,
    });

  let identity;
  try {
    identity = await deps.wechat.miniProgram.code2Session(input.code);
  } catch (err) {
    if (!(err instanceof WechatApiError)) throw err;
    metrics.logins.inc({ outcome: err.code });
    await audit(err.code, null);
    throw toProductError(err, LOGIN_FAILURES);
  }

  const signIn = async (): Promise<CreateSessionResponse & { userId: Types.ObjectId }> => {
    // The session_key needs only the openid, so it starts before the user is known.
    const keyStored = storeSessionKey(deps, identity.openid, identity.sessionKey);
    let user: User;
    try {
      user = await upsertUserOnLogin(deps, identity.openid, identity.unionid ?? null, input.ip);
    } catch (err) {
      await keyStored.catch(() => undefined); // the upsert's failure is the one to report
      throw err;
    }
    // Refused only now, after code2Session: WeChat has consumed the code either
    // way, and only its answer tells whose login this is.
    if (user.blockedAt != null) {
      await keyStored.catch(() => undefined);
      metrics.logins.inc({ outcome: 'ACCOUNT_BLOCKED' });
      await audit('ACCOUNT_BLOCKED', user._id);
      throw new AppError('ACCOUNT_BLOCKED', ACCOUNT_BLOCKED);
    }
    // If any of these fails the request fails (500) as before, but the others may
    // already have completed: an unused session (its token was never handed
    // out, so it is unusable and expires by TTL), a stored session_key (the
    // user's real current key, which is right to keep) or an `ok` audit entry
    // for a login whose answer was an error. All harmless; the client retries.
    const [, session, , view] = await Promise.all([
      keyStored,
      issueSession(deps, user._id, input.ip),
      audit('ok', user._id, user.loginCount === 1),
      toUserView(deps, user),
    ]);
    return {
      token: session.token,
      expiresAt: session.expiresAt.toISOString(),
      user: view,
      userId: user._id,
    };
  };

  // Sequential database waits of a returning user's login: the rate-limit
  // counter (before this function), the user upsert with the session_key read
  // beside it, one parallel group (session_key write, session insert, audit
  // insert, the view's follower lookup), and the liveness re-check below.
  let result = await signIn();
  // 注销 (account/delete-account.ts) may have tombstoned the user we matched
  // while we wrote: erase what this login wrote for it, then sign in again,
  // which creates the new user a login after a deletion gets.
  if (!(await isLiveUser(deps, result.userId))) {
    await eraseLoginTraces(deps, result.userId);
    result = await signIn();
  }
  if (!result.user.hasUnionId) {
    // The unionid gap: a user the linkage cannot answer for (no unionid from
    // code2Session and none learned earlier from decrypted user data).
    metrics.loginsWithoutUnionid.inc({ appid: deps.config.miniProgram.appid });
  }
  metrics.logins.inc({ outcome: 'ok' });
  const { userId: _userId, ...response } = result;
  return response;
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
 * (retryOnConflict), which then updates the winner's document.
 */
async function upsertUserOnLogin(
  deps: Deps,
  openid: string,
  unionid: string | null,
  ip: string | null,
): Promise<User> {
  const now = deps.clock.now();
  const set: Record<string, unknown> = { lastLoginAt: now, lastLoginIp: ip, updatedAt: now };
  if (unionid) set.unionid = unionid;
  return retryOnConflict('first login of one openid', async () => {
    const user = await deps.models.User.findOneAndUpdate(
      { miniOpenid: openid },
      {
        $set: set,
        $inc: { loginCount: 1 },
        $setOnInsert: { miniOpenid: openid, createdAt: now },
      },
      { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
    )
      .lean<User>()
      .exec();
    return user ?? CONFLICT;
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
  await deps.models.Session.create({
    tokenHash: hashToken(token),
    userId,
    createdAt: now,
    expiresAt,
    revokedAt: null,
    ip,
  });
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
