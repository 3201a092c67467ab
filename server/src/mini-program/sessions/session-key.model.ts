import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface StoredSessionKey {
  /** base64 session_key as WeChat returned it. Never logged, never in a response. */
  key: string;
  /** When this server received it, in ms; orders concurrent logins (latest wins). */
  issuedAt: number;
}

export interface StoredPreviousSessionKey extends StoredSessionKey {
  /** When it was replaced by `current`; the grace window counts from here. */
  rotatedAt: Date;
}

/**
 * The former storage of a mini-program openid's session_key (the latest one
 * and the one it replaced). Keys now live in the user document
 * (`User.sessionKeys`); this collection is only read for users who have not
 * logged in since (session-keys.ts) and erased by 注销.
 */
export interface SessionKeyRecord {
  _id: Types.ObjectId;
  openid: string;
  current: StoredSessionKey;
  previous: StoredPreviousSessionKey | null;
  updatedAt: Date;
}

export type SessionKeyModel = Model<SessionKeyRecord>;

export function defineSessionKeyModel(conn: Connection): SessionKeyModel {
  const key = new Schema<StoredSessionKey>(
    { key: { type: String, required: true }, issuedAt: { type: Number, required: true } },
    { _id: false },
  );
  const previous = new Schema<StoredPreviousSessionKey>(
    {
      key: { type: String, required: true },
      issuedAt: { type: Number, required: true },
      rotatedAt: { type: Date, required: true },
    },
    { _id: false },
  );
  const schema = new Schema<SessionKeyRecord>(
    {
      openid: { type: String, required: true, unique: true },
      current: { type: key, required: true },
      previous: { type: previous, default: null },
      updatedAt: { type: Date, required: true },
    },
    { collection: 'session_keys', autoCreate: false, strict: 'throw' },
  );
  return conn.model<SessionKeyRecord>('SessionKey', schema);
}
