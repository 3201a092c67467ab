import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Where the follower backfill got to, so an interrupted run resumes instead of
 * starting over: the page being worked on is the one `cgi-bin/user/get`
 * returns for `pageStart` (its `next_openid` argument, '' = the first page),
 * and its first `pageOffset` openids are already stored.
 *
 * The document is also the run's lock: `leaseOwner` holds it until
 * `leaseUntil` (renewed after every batch, cleared at the end), so two runs
 * against one account never interleave, and a crashed run's lease simply
 * expires.
 */
export interface SyncCursor {
  /** e.g. `followers:<appid>` */
  name: string;
  pageStart: string;
  pageOffset: number;
  /** Followers stored by the run so far (for progress across resumes). */
  processed: number;
  /** The `total` WeChat last reported. */
  total: number;
  status: 'running' | 'completed';
  startedAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  /** When a run first completed: from then on the account's list counts as imported (`never` becomes possible). */
  firstCompletedAt: Date | null;
  /** The run holding the lock, null when none does. */
  leaseOwner: string | null;
  /** Until when `leaseOwner` holds it; an expired lease may be taken over. */
  leaseUntil: Date | null;
}

export type SyncCursorModel = Model<SyncCursor>;

const syncCursorSchema = new Schema<SyncCursor>(
  {
    name: { type: String, required: true },
    pageStart: { type: String, default: '' },
    pageOffset: { type: Number, required: true, default: 0 },
    processed: { type: Number, required: true, default: 0 },
    total: { type: Number, required: true, default: 0 },
    status: { type: String, enum: ['running', 'completed'], required: true },
    startedAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    completedAt: { type: Date, default: null },
    firstCompletedAt: { type: Date, default: null },
    leaseOwner: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
  },
  { collection: 'sync_cursors', autoCreate: false, versionKey: false, strict: 'throw' },
);
syncCursorSchema.index({ name: 1 }, { unique: true });

export function defineSyncCursorModel(conn: Connection): SyncCursorModel {
  return conn.model<SyncCursor>('SyncCursor', syncCursorSchema);
}
