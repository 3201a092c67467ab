import {
  API_ROUTES,
  HTTP_LIMITS,
  isAnonymousProfile,
  type ErrorCode,
  type ProfileAuthorizationRequest,
  type ProfileUpdateRequest,
} from '@wxlink/contracts';
import {
  WechatCryptoError,
  openUserData,
  verifyRawDataSignature,
  type DecryptedUserInfo,
} from '@wxlink/contracts/node';
import type { AppDeps } from '../../deps';
import { MongoRateLimitStore } from '../../http/rate-limit-store';
import { AppError } from '../../platform/errors';
import type { User } from '../users/user.model';
import { toProductError } from '../../wechat/errors';
import { avatarIdFromUrl, avatarBelongsTo, normalizeAvatarUrl } from './avatar';
import { usableSessionKeys } from '../sessions/session-keys';

type Deps = Pick<AppDeps, 'config' | 'clock' | 'models' | 'wechat' | 'logger' | 'db'>;

/**
 * POST /api/v1/me/profile: the getUserInfo button's detail. The payload may
 * be signed with the current session_key or, right after a re-login, with
 * the previous one (kept for the grace window). When neither verifies,
 * wxa/checksession tells a stale key (409, log in again) from altered data (422).
 */
export async function authorizeProfile(
  deps: Deps,
  user: User,
  body: ProfileAuthorizationRequest,
): Promise<User> {
  const keys = await usableSessionKeys(deps, user);
  const candidates = [keys.current, keys.previous].filter((k): k is string => k !== null);
  const sessionKey = candidates.find((key) => signatureMatches(body, key));
  if (sessionKey === undefined) {
    // Signed with the replaced key after its grace window: genuine but
    // outdated data, fixed the same way as a stale key (log in, retry).
    if (keys.expiredPrevious !== null && signatureMatches(body, keys.expiredPrevious)) {
      throw new AppError(
        'SESSION_KEY_STALE',
        'The user data was signed with a replaced session key; log in again, then retry',
      );
    }
    throw await staleOrTampered(deps, user._id.toHexString(), user.miniOpenid, keys.current);
  }

  let info: DecryptedUserInfo;
  try {
    info = openUserData({
      ...body,
      sessionKey,
      appid: deps.config.miniProgram.appid,
      openid: user.miniOpenid,
      now: deps.clock.now(),
      maxAgeSeconds: deps.config.watermarkMaxAgeSeconds,
    });
  } catch (err) {
    if (err instanceof WechatCryptoError) throw cryptoFailure(err);
    throw err;
  }
  return applyWechatProfile(deps, user, info);
}

function signatureMatches(body: ProfileAuthorizationRequest, sessionKey: string): boolean {
  try {
    verifyRawDataSignature(body.rawData, body.signature, sessionKey);
    return true;
  } catch (err) {
    if (err instanceof WechatCryptoError) return false;
    throw err;
  }
}

async function staleOrTampered(
  deps: Deps,
  userId: string,
  openid: string,
  currentKey: string | null,
): Promise<AppError> {
  if (currentKey === null) {
    return new AppError('SESSION_KEY_STALE', 'No session key on record; log in again, then retry');
  }
  if (!(await mayAskCheckSession(deps, userId))) {
    // Budget spent: a stale key is cured by the first re-login, so repeated
    // misses within the window mean altered data. WeChat is not asked again.
    return new AppError('SIGNATURE_INVALID', 'rawData does not match its signature');
  }
  let valid: boolean;
  try {
    valid = await deps.wechat.miniProgram.checkSession(openid, currentKey);
  } catch (err) {
    throw toProductError(err, CHECK_SESSION_FAILURES, API_ROUTES.authorizeProfile);
  }
  return valid
    ? new AppError('SIGNATURE_INVALID', 'rawData does not match its signature')
    : new AppError('SESSION_KEY_STALE', 'The session key has changed; log in again, then retry');
}

/**
 * Spends one of the user's CHECKSESSION_LIMIT_PER_USER wxa/checksession
 * diagnoses per CHECKSESSION_LIMIT_WINDOW_SECONDS (shared store): a bad
 * signature costs an app-wide WeChat call, so one session cannot burn the
 * app's quota by posting altered data in a loop.
 */
async function mayAskCheckSession(deps: Deps, userId: string): Promise<boolean> {
  const { checkSessionsPerWindow, checkSessionWindowSeconds } = deps.config.limits;
  const store = new MongoRateLimitStore(
    deps.models.RateLimitCounter,
    deps.clock,
    'checksession:',
    checkSessionWindowSeconds * 1000,
  );
  return (await store.spend(userId, checkSessionsPerWindow)).allowed;
}

/** Whatever WeChat answered, the client can only retry later. */
const CHECK_SESSION_FAILURES = {
  WECHAT_UNAVAILABLE: 'Could not verify the session key with WeChat; retry later',
  default: 'Could not verify the session key with WeChat; retry later',
} as const;

/** Decryption, watermark and identity failures after a valid signature. */
function cryptoFailure(err: WechatCryptoError): AppError {
  const map: Partial<Record<WechatCryptoError['code'], [ErrorCode, string]>> = {
    WATERMARK_EXPIRED: ['USER_DATA_EXPIRED', 'The user data is too old; ask for it again'],
    SIGNATURE_MISMATCH: ['SIGNATURE_INVALID', 'rawData does not match its signature'],
  };
  const [code, message] = map[err.code] ?? [
    'USER_DATA_INVALID' as const,
    // One message for padding, JSON, appid and openid faults: no decryption oracle.
    'The encrypted user data could not be opened for this user and mini-program',
  ];
  return new AppError(code, message);
}

/**
 * Stores what the decrypted data adds. unionId (capital I) fills a missing
 * unionid; the anonymous profile modern WeChat returns ("微信用户", grey
 * avatar) never overwrites anything.
 */
async function applyWechatProfile(deps: Deps, user: User, info: DecryptedUserInfo): Promise<User> {
  const now = deps.clock.now();
  const set: Record<string, unknown> = { updatedAt: now };
  if (info.unionId) {
    if (!user.unionid) set.unionid = info.unionId;
    else if (user.unionid !== info.unionId) {
      deps.logger.warn(
        { userId: user._id.toHexString() },
        'decrypted unionId differs from the stored one; kept the stored one',
      );
    }
  }
  if (!isAnonymousProfile({ nickName: info.nickName, avatarUrl: info.avatarUrl })) {
    // Bounded to what the UserView contract allows.
    set.nickname = truncate(info.nickName, HTTP_LIMITS.viewNicknameMaxLength);
    if (/^https?:\/\//.test(info.avatarUrl) && info.avatarUrl.length <= HTTP_LIMITS.urlMaxLength) {
      set.avatarUrl = info.avatarUrl;
    }
    set.profileSource = 'wechat';
    if (typeof info.gender === 'number') set.gender = info.gender;
  }
  return updateUser(deps, user, set);
}

/** PUT /api/v1/me/profile: the nickname input and chooseAvatar result. */
export async function updateProfile(
  deps: Deps,
  user: User,
  body: ProfileUpdateRequest,
): Promise<User> {
  const set: Record<string, unknown> = { updatedAt: deps.clock.now(), profileSource: 'user' };
  if (body.nickname !== undefined) set.nickname = body.nickname;
  if (body.avatarUrl !== undefined) {
    const notOwned = () =>
      new AppError('VALIDATION_FAILED', 'avatarUrl: no such uploaded avatar for this user');
    // Any URL naming one of our uploads becomes its relative path: checked by id, whatever the host.
    const avatarUrl = normalizeAvatarUrl(body.avatarUrl);
    if (avatarUrl === undefined) throw notOwned();
    const avatarId = avatarIdFromUrl(avatarUrl);
    if (avatarId !== undefined && !(await avatarBelongsTo(deps, avatarId, user._id))) {
      throw notOwned();
    }
    set.avatarUrl = avatarUrl;
  }
  return updateUser(deps, user, set);
}

/**
 * Applies `set` to the user and returns the updated document; a user deleted
 * meanwhile is 401. Never writes to a tombstone (注销 under way, see
 * account/delete-account.ts): a request that authenticated just before it
 * cannot put a nickname or phone back on it.
 */
export async function updateUser(
  deps: Pick<AppDeps, 'models'>,
  user: User,
  set: Record<string, unknown>,
): Promise<User> {
  const updated = await deps.models.User.findOneAndUpdate(
    { _id: user._id, deletedAt: null },
    { $set: set },
    { returnDocument: 'after' },
  )
    .lean<User>()
    .exec();
  if (!updated) throw new AppError('SESSION_INVALID', 'The user no longer exists; log in again');
  return updated;
}

/** At most `max` UTF-16 units, never splitting a surrogate pair. */
function truncate(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}
