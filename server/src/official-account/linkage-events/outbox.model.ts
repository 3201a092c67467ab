import { Schema, type Connection, type Model } from 'mongoose';
import type { LinkageEventType } from '@wxlink/contracts';

/**
 * The linkage-event outbox: every change of an app user's linkage is stored
 * here (derive.ts) before anything is delivered, then delivered at least once
 * (delivery.ts) to the in-process handlers and, when configured, the webhook.
 * `eventId` is unique and derived from what changed, so deriving an event
 * twice (a retry, two instances) stores it once.
 */
export interface LinkageOutboxItem {
  /** The event's stable id (the `id` receivers deduplicate on). */
  eventId: string;
  type: LinkageEventType;
  userId: string;
  appid: string;
  /** When the change happened (the push's CreateTime or the snapshot's time). */
  at: Date;
  status: 'pending' | 'delivered';
  attempts: number;
  nextAttemptAt: Date;
  /** Set once the in-process handlers have all succeeded (not re-run on a webhook retry). */
  handlersDoneAt: Date | null;
  /** Set once the webhook answered 2xx. */
  webhookDoneAt: Date | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** The outbox model. */
export type LinkageOutboxModel = Model<LinkageOutboxItem>;

const outboxSchema = new Schema<LinkageOutboxItem>(
  {
    eventId: { type: String, required: true },
    type: { type: String, enum: ['user.followed', 'user.unfollowed'], required: true },
    userId: { type: String, required: true },
    appid: { type: String, required: true },
    at: { type: Date, required: true },
    status: { type: String, enum: ['pending', 'delivered'], required: true },
    attempts: { type: Number, required: true, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    handlersDoneAt: { type: Date, default: null },
    webhookDoneAt: { type: Date, default: null },
    leaseOwner: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
    lastError: { type: String, default: null },
    createdAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
  },
  { collection: 'linkage_events', autoCreate: false, versionKey: false, strict: 'throw' },
);
outboxSchema.index({ eventId: 1 }, { unique: true });
outboxSchema.index({ status: 1, nextAttemptAt: 1 });
outboxSchema.index({ status: 1, deliveredAt: 1 });

/** Binds the outbox model to a connection. */
export function defineLinkageOutboxModel(conn: Connection): LinkageOutboxModel {
  return conn.model<LinkageOutboxItem>('LinkageOutboxItem', outboxSchema);
}
