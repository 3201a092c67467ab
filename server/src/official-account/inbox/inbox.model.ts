import { Schema, type Connection, type Model } from 'mongoose';
import type { PushType } from './handlers';

/**
 * The official-account inbox: every accepted push, stored before WeChat gets
 * its `success`, then processed in the background. `dedupKey` is unique, so a
 * WeChat retry or the same push reaching two instances stores one record.
 *
 * Lifecycle: pending → processing (claimed with a lease) → done | pending
 * (retry after backoff) | dead (gave up after the maximum attempts).
 * A push no handler exists for is `done` too, counted and logged as
 * unhandled (processor.ts). Processed entries (done) are pruned after INBOX_RETENTION_DAYS; dead ones
 * stay until replayed.
 */
const INBOX_STATUSES = ['pending', 'processing', 'done', 'dead'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

/**
 * A plaintext (or compat-mode) push's signed query, bound to the body it came
 * with (push/replay-guard.ts). Its `key` is unique across the inbox, so the
 * push's own insert is the binding: a logged query reused with another body
 * meets it and is refused.
 */
export interface SignedQueryBinding {
  /** SHA-256 (hex) of appid, timestamp, nonce and signature. */
  key: string;
  /** SHA-256 (hex) of the raw body first seen with that query. */
  bodyHash: string;
  /** After this the signed timestamp is refused anyway; the binding no longer matters. */
  expiresAt: Date;
}

export interface InboxItem {
  /** pushDedupKey(): `event:<openid>:<CreateTime>:<event>` or `msg:<MsgId>`. */
  dedupKey: string;
  /** The official account the push was addressed to (our appid). */
  appid: string;
  /** PushMessage.type from contracts: subscribe, unsubscribe, scan, message, unknown. */
  type: PushType;
  /** FromUserName: the sender's openid under the official account. */
  openid: string;
  /** CreateTime, unix seconds. */
  createTime: number;
  /** The parsed push (contracts PushMessage, without its raw XML). */
  payload: Record<string, unknown>;
  status: InboxStatus;
  attempts: number;
  /** When a pending item may be claimed (backoff after a failure). */
  nextAttemptAt: Date;
  /** Until when the current claim is exclusive; an expired lease is claimable again. */
  leaseUntil: Date | null;
  /** Which processor instance holds the lease. */
  leaseOwner: string | null;
  lastError: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  /**
   * Set by an unfollow's erasure (retention.ts) on an entry being handled at
   * that moment: when its handling succeeds the entry is deleted, not kept.
   */
  eraseRequested?: boolean;
  /**
   * The push's signed query (plaintext and compat pushes; absent in safe
   * mode). An entry erased while its binding is live is reduced to a binding
   * stub instead (inbox/binding-stub.ts): nothing personal, the binding kept.
   */
  signedQuery?: SignedQueryBinding;
}

export type InboxModel = Model<InboxItem>;

const inboxSchema = new Schema<InboxItem>(
  {
    dedupKey: { type: String, required: true },
    appid: { type: String, required: true },
    type: { type: String, required: true },
    openid: { type: String, required: true },
    createTime: { type: Number, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: INBOX_STATUSES, required: true, default: 'pending' },
    attempts: { type: Number, required: true, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    leaseUntil: { type: Date, default: null },
    leaseOwner: { type: String, default: null },
    lastError: { type: String, default: null },
    receivedAt: { type: Date, required: true },
    processedAt: { type: Date, default: null },
    eraseRequested: { type: Boolean },
    signedQuery: {
      type: new Schema<SignedQueryBinding>(
        {
          key: { type: String, required: true },
          bodyHash: { type: String, required: true },
          expiresAt: { type: Date, required: true },
        },
        { _id: false, strict: 'throw' },
      ),
      default: undefined,
    },
  },
  {
    collection: 'oa_inbox',
    autoCreate: false,
    versionKey: false,
    minimize: false,
    strict: 'throw',
  },
);
// Per account: two official accounts may see messages with the same MsgId.
inboxSchema.index({ appid: 1, dedupKey: 1 }, { unique: true });
// The claim query: due pending items, and processing items whose lease expired.
inboxSchema.index({ status: 1, nextAttemptAt: 1 });
inboxSchema.index({ status: 1, leaseUntil: 1 });
// Pruning processed entries, and forgetting one follower's (erase retention).
inboxSchema.index({ status: 1, processedAt: 1 });
inboxSchema.index({ appid: 1, openid: 1, status: 1 });
// A signed query binds one body: unique where present (push/replay-guard.ts).
inboxSchema.index(
  { 'signedQuery.key': 1 },
  { unique: true, partialFilterExpression: { 'signedQuery.key': { $exists: true } } },
);

export function defineInboxModel(conn: Connection): InboxModel {
  return conn.model<InboxItem>('InboxItem', inboxSchema);
}
