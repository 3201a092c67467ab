import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * The shared access_token of one appid, plus the refresh lease. Every server
 * instance reads the token from here; only the holder of an unexpired lease
 * asks WeChat for a new one (see wechat/token-broker.ts).
 */
export interface AccessTokenRecord {
  _id: Types.ObjectId;
  appid: string;
  token: string | null;
  expiresAt: Date | null;
  refreshedAt: Date | null;
  /** Incremented on every refresh; lets tests and metrics see how many happened. */
  version: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

export type AccessTokenModel = Model<AccessTokenRecord>;

export function defineAccessTokenModel(conn: Connection): AccessTokenModel {
  const schema = new Schema<AccessTokenRecord>(
    {
      appid: { type: String, required: true, unique: true },
      token: { type: String, default: null },
      expiresAt: { type: Date, default: null },
      refreshedAt: { type: Date, default: null },
      version: { type: Number, default: 0 },
      leaseOwner: { type: String, default: null },
      leaseUntil: { type: Date, default: null },
    },
    { collection: 'access_tokens', autoCreate: false, strict: 'throw' },
  );
  return conn.model<AccessTokenRecord>('AccessToken', schema);
}
