import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * An issued bearer token. Only sha256(token) is stored, so a database leak
 * does not leak usable tokens.
 */
export interface Session {
  _id: Types.ObjectId;
  tokenHash: string;
  userId: Types.ObjectId;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  ip: string | null;
}

export type SessionModel = Model<Session>;

export function defineSessionModel(conn: Connection): SessionModel {
  const schema = new Schema<Session>(
    {
      tokenHash: { type: String, required: true, unique: true },
      userId: { type: Schema.Types.ObjectId, required: true, index: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
      revokedAt: { type: Date, default: null },
      ip: { type: String, default: null },
    },
    { collection: 'sessions', autoCreate: false, strict: 'throw' },
  );
  // Housekeeping only: MongoDB deletes expired sessions eventually (the
  // embedded test server never does), so every lookup checks expiresAt itself.
  schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  return conn.model<Session>('Session', schema);
}
