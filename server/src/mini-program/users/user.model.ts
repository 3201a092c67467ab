import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { StoredSessionKeys } from '../sessions/session-key-history';

/** A phone number bound through the getPhoneNumber button (wxa/business/getuserphonenumber). */
export interface UserPhone {
  /** With the country prefix for numbers outside mainland China, as WeChat returns it. */
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
  boundAt: Date;
}

/**
 * One mini-program user, keyed by the mini-program openid. openid and unionid
 * are internal identifiers: they never leave the server (see services/user-view.ts).
 */
export interface User {
  _id: Types.ObjectId;
  miniOpenid: string;
  unionid: string | null;
  nickname: string | null;
  avatarUrl: string | null;
  /** 0 unknown, 1 male, 2 female, as in WeChat's user data. */
  gender: number | null;
  /** Where nickname/avatar came from: WeChat's authorised profile or the user's own input. */
  profileSource: 'wechat' | 'user' | null;
  phone: UserPhone | null;
  loginCount: number;
  lastLoginAt: Date;
  lastLoginIp: string | null;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Set by an operator (`npm run users:block`): login and every
   * authenticated route answer 403 ACCOUNT_BLOCKED while it is set.
   * Absent on documents written before the field existed: test with `!= null`.
   */
  blockedAt?: Date | null;
  /** The operator's note for the block (support reads it; never sent to the user). */
  blockedReason?: string | null;
  /**
   * Set as the first step of 注销 (DELETE /api/v1/me): the document is then a
   * tombstone that authentication refuses, with its miniOpenid replaced so a
   * new login of the same WeChat user creates a new user at once.
   */
  deletedAt?: Date | null;
  /**
   * The session_keys code2Session returned, `k<issuedAtMs>` → base64 key
   * (sessions/session-key-history.ts). Server-side only: never logged, never
   * in a response (users/user-view.ts builds responses from an allow-list).
   * Absent on users who have not logged in since the keys moved here.
   */
  sessionKeys?: StoredSessionKeys;
}

export type UserModel = Model<User>;

/**
 * What a new user document holds besides the login's own fields (openid,
 * creation time, the schema's defaults and mongoose's version key), for the
 * login's upsert, which goes through the driver rather than mongoose
 * (sessions.ts). `unionid` is left to the caller: the login sets it when
 * code2Session returns one. A test keeps this equal to what mongoose's
 * `setDefaultsOnInsert` writes, so a default added to the schema fails it.
 */
export function newUserFields(
  miniOpenid: string,
  createdAt: Date,
): Pick<
  User,
  | 'miniOpenid'
  | 'createdAt'
  | 'nickname'
  | 'avatarUrl'
  | 'gender'
  | 'profileSource'
  | 'phone'
  | 'blockedAt'
  | 'blockedReason'
  | 'deletedAt'
> & { __v: 0 } {
  return {
    miniOpenid,
    createdAt,
    __v: 0,
    nickname: null,
    avatarUrl: null,
    gender: null,
    profileSource: null,
    phone: null,
    blockedAt: null,
    blockedReason: null,
    deletedAt: null,
  };
}

const phoneSchema = new Schema<UserPhone>(
  {
    phoneNumber: { type: String, required: true },
    purePhoneNumber: { type: String, required: true },
    countryCode: { type: String, required: true },
    boundAt: { type: Date, required: true },
  },
  { _id: false },
);

export function defineUserModel(conn: Connection): UserModel {
  const schema = new Schema<User>(
    {
      // Unique: one user per openid even when first logins race (upsert + retry on E11000).
      miniOpenid: { type: String, required: true, unique: true },
      // Indexed, not unique: linkage looks users up by unionid.
      unionid: { type: String, default: null, index: true },
      nickname: { type: String, default: null },
      avatarUrl: { type: String, default: null },
      gender: { type: Number, default: null },
      profileSource: { type: String, enum: ['wechat', 'user', null], default: null },
      phone: { type: phoneSchema, default: null },
      loginCount: { type: Number, default: 0 },
      lastLoginAt: { type: Date, required: true },
      lastLoginIp: { type: String, default: null },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      blockedAt: { type: Date, default: null },
      blockedReason: { type: String, default: null },
      deletedAt: { type: Date, default: null },
      sessionKeys: { type: Map, of: String, default: undefined },
    },
    { collection: 'users', autoCreate: false, strict: 'throw' },
  );
  // The deletion sweep's query (account/deletion-sweep.ts): tombstones by age.
  schema.index({ deletedAt: 1 });
  return conn.model<User>('User', schema);
}
