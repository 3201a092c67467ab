import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** A fixed-window hit counter for express-rate-limit (see http/rate-limit-store.ts). */
export interface RateLimitCounter {
  _id: Types.ObjectId;
  key: string;
  hits: number;
  /**
   * Failed attempts in the same window, for a limiter that also keeps a
   * failure budget (the login's, mini-program/sessions/login-attempts.ts);
   * 0 elsewhere. Absent on counters written before it existed.
   */
  failures?: number;
  resetAt: Date;
}

export type RateLimitCounterModel = Model<RateLimitCounter>;

export function defineRateLimitCounterModel(conn: Connection): RateLimitCounterModel {
  const schema = new Schema<RateLimitCounter>(
    {
      key: { type: String, required: true, unique: true },
      hits: { type: Number, required: true },
      failures: { type: Number },
      resetAt: { type: Date, required: true },
    },
    { collection: 'rate_limits', autoCreate: false, strict: 'throw' },
  );
  // Cleanup only; the store compares resetAt itself.
  schema.index({ resetAt: 1 }, { expireAfterSeconds: 60 });
  return conn.model<RateLimitCounter>('RateLimitCounter', schema);
}
