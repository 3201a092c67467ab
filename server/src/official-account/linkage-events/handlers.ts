import type { LinkageEvent } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';

/**
 * THE place where business code hears about linkage changes: add a handler
 * to `LINKAGE_EVENT_HANDLERS`. Each event reaches every handler at least once
 * (after a crash or a failing handler, all handlers of that event run again),
 * so handlers must be idempotent: deduplicate on `event.id`. Throwing makes
 * the delivery retry with backoff.
 *
 * Example (grant a coupon once per follow):
 *
 * ```ts
 * async function grantFollowCoupon(deps, event) {
 *   if (event.type !== 'user.followed') return;
 *   // upsert keyed by event.id: a redelivery finds the coupon already there
 *   await deps.db.collection('coupons').updateOne(
 *     { _id: event.id },
 *     { $setOnInsert: { userId: event.userId, reason: 'follow', at: event.at } },
 *     { upsert: true },
 *   );
 * }
 * ```
 */
export type LinkageHandlerDeps = Pick<AppDeps, 'models' | 'db' | 'logger' | 'clock'>;

/** One in-process receiver of linkage events. */
export type LinkageEventHandler = (deps: LinkageHandlerDeps, event: LinkageEvent) => Promise<void>;

/** Logs each event (no personal data beyond the app user's id). */
async function logLinkageEvent(deps: LinkageHandlerDeps, event: LinkageEvent): Promise<void> {
  deps.logger.info(
    { component: 'linkage', eventId: event.id, type: event.type, userId: event.userId },
    'linkage event delivered',
  );
  return Promise.resolve();
}

/** The registered handlers, run in order for every event. */
export const LINKAGE_EVENT_HANDLERS: readonly LinkageEventHandler[] = [logLinkageEvent];
