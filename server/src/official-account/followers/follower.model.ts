import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One follower of an official account: `(appid, openid)` is unique. The
 * subscription fields are a contracts `FollowerState` (times in unix seconds)
 * and only ever change through `applyFollowerEvent`, guarded by `version`
 * (optimistic concurrency: a write matches the version it read).
 */
export interface Follower {
  appid: string;
  openid: string;
  /** null while unknown ("pending"): fetched from cgi-bin/user/info after a subscribe. */
  unionid: string | null;
  subscribed: boolean;
  /** CreateTime of the event that decided `subscribed`. */
  stateAt: number;
  subscribedAt: number | null;
  unsubscribedAt: number | null;
  scene: string | null;
  /** Incremented on every write; the optimistic-concurrency guard. */
  version: number;
  /**
   * `backfill` while the state comes from snapshots only (backfill, OAuth
   * lookup); `event` for good once an event has been applied.
   */
  source: 'event' | 'backfill';
  /**
   * True from a follow until cgi-bin/user/info has answered for it: while any
   * current follower's unionid lookup is pending, a user matching no follower
   * is `unknown`, not `never` (the pending one may be them).
   */
  unionidPending: boolean;
  /** Start of the last import/reconciliation run whose follower list contained this openid. */
  listedAt: Date | null;
  /** The last linkage event emitted for this follower (linkage-events/derive.ts). */
  linkage: 'followed' | null;
  /** The app user that event was for; cleared once the unfollow event is stored. */
  linkedUserId: string | null;
  /** Set in the same write as a change of `subscribed`/`unionid`; cleared once its linkage event is stored. */
  linkagePending: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A follower as stored, with the id its guarded writes name. */
export type StoredFollower = Follower & { _id: unknown };

export type FollowerModel = Model<Follower>;

const followerSchema = new Schema<Follower>(
  {
    appid: { type: String, required: true },
    openid: { type: String, required: true },
    unionid: { type: String, default: null },
    subscribed: { type: Boolean, required: true },
    stateAt: { type: Number, required: true },
    subscribedAt: { type: Number, default: null },
    unsubscribedAt: { type: Number, default: null },
    scene: { type: String, default: null },
    version: { type: Number, required: true, default: 0 },
    source: { type: String, enum: ['event', 'backfill'], required: true },
    unionidPending: { type: Boolean, required: true, default: false },
    listedAt: { type: Date, default: null },
    linkage: { type: String, enum: ['followed', null], default: null },
    linkedUserId: { type: String, default: null },
    linkagePending: { type: Boolean, required: true, default: false },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'oa_followers', autoCreate: false, versionKey: false, strict: 'throw' },
);
followerSchema.index({ appid: 1, openid: 1 }, { unique: true });
// The linkage lookup: a mini-program user's unionid → their follower record.
followerSchema.index({ appid: 1, unionid: 1 });
// "Is any new follower's unionid lookup still pending?" (the `unknown` rule).
followerSchema.index({ appid: 1, unionidPending: 1, subscribed: 1 });
// Reconciliation: current followers the last list did not contain.
followerSchema.index({ appid: 1, subscribed: 1, listedAt: 1 });
// The linkage sweep and the tombstone sweep.
followerSchema.index({ linkagePending: 1, updatedAt: 1 });
followerSchema.index({ subscribed: 1, stateAt: 1 });

export function defineFollowerModel(conn: Connection): FollowerModel {
  return conn.model<Follower>('Follower', followerSchema);
}
