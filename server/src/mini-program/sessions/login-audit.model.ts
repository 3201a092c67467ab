import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** One login attempt, for support and abuse investigation. No codes, keys or openids. */
export interface LoginAudit {
  _id: Types.ObjectId;
  at: Date;
  userId: Types.ObjectId | null;
  /** `ok` or the error code answered. */
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  firstLogin: boolean;
}

export type LoginAuditModel = Model<LoginAudit>;

export function defineLoginAuditModel(conn: Connection): LoginAuditModel {
  const schema = new Schema<LoginAudit>(
    {
      at: { type: Date, required: true },
      userId: { type: Schema.Types.ObjectId, default: null },
      outcome: { type: String, required: true },
      ip: { type: String, default: null },
      userAgent: { type: String, default: null },
      firstLogin: { type: Boolean, default: false },
    },
    { collection: 'login_audits', autoCreate: false, strict: 'throw' },
  );
  schema.index({ userId: 1, at: -1 });
  // Kept for 180 days.
  schema.index({ at: 1 }, { expireAfterSeconds: 180 * 24 * 3600 });
  return conn.model<LoginAudit>('LoginAudit', schema);
}
