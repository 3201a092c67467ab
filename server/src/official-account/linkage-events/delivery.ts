import { randomUUID } from 'node:crypto';
import type { LinkageEvent } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import { describeError } from '../../platform/errors';
import { fullJitterDelayMs } from '../../platform/backoff';
import { claimDueItem } from '../../platform/due-claim';
import { LINKAGE_EVENT_HANDLERS, type LinkageEventHandler } from './handlers';
import { linkageMetrics } from './metrics';
import type { LinkageOutboxItem } from './outbox.model';
import { postLinkageEvent } from './webhook';
import { WakeUp } from '../inbox/wake-up';
import { onWrite } from '../write-signal';

/**
 * Delivers stored linkage events at least once, on any number of instances:
 * an event is claimed with a lease (platform/due-claim.ts), handed to the
 * in-process handlers, then POSTed to the webhook when one is configured;
 * each part is recorded when it succeeds, so a webhook retry does not re-run
 * the handlers. A failure retries with exponential backoff and full jitter
 * (platform/backoff.ts: events that failed together, e.g. while the receiver
 * was down, do not all retry at once), and there is no dead letter: a
 * receiver that is down for a day still gets the event when it is back.
 */
export interface LinkageDeliveryOptions {
  pollIntervalMs: number;
  leaseMs: number;
  /** The first retry's window; each retry doubles it up to backoffMaxMs (the delay is drawn in it). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** The handlers (default: LINKAGE_EVENT_HANDLERS; tests add theirs). */
  handlers: readonly LinkageEventHandler[];
}

/** Production defaults. */
const DEFAULT_LINKAGE_DELIVERY_OPTIONS: Readonly<LinkageDeliveryOptions> = {
  pollIntervalMs: 1000,
  leaseMs: 60_000,
  backoffBaseMs: 2000,
  backoffMaxMs: 10 * 60_000,
  handlers: LINKAGE_EVENT_HANDLERS,
};

type DeliveryDeps = Pick<
  AppDeps,
  'models' | 'db' | 'clock' | 'random' | 'logger' | 'metrics' | 'config'
>;
type Claimed = LinkageOutboxItem & { _id: unknown };

/** The event as handlers and the webhook receive it. */
function eventOf(item: LinkageOutboxItem): LinkageEvent {
  return {
    id: item.eventId,
    type: item.type,
    userId: item.userId,
    officialAccountAppid: item.appid,
    at: item.at.toISOString(),
  };
}

/** Claims the next pending event that is due (platform/due-claim.ts); null when none is. */
function claimOne(deps: DeliveryDeps, options: LinkageDeliveryOptions, owner: string) {
  const now = deps.clock.now();
  return claimDueItem(deps.models.LinkageOutbox, {
    due: { status: 'pending', nextAttemptAt: { $lte: now } },
    now,
    owner,
    leaseMs: options.leaseMs,
  });
}

async function deliver(
  deps: DeliveryDeps,
  options: LinkageDeliveryOptions,
  item: Claimed,
  owner: string,
): Promise<void> {
  const Outbox = deps.models.LinkageOutbox;
  const event = eventOf(item);
  const metrics = linkageMetrics(deps.metrics.registry);
  const guard = { _id: item._id, leaseOwner: owner };
  if (item.handlersDoneAt === null) {
    for (const handler of options.handlers) await handler(deps, event);
    await Outbox.updateOne(guard, { $set: { handlersDoneAt: deps.clock.now() } });
    metrics.linkageDeliveries.inc({ target: 'handlers', outcome: 'ok' });
  }
  const webhook = deps.config.linkage.webhook;
  if (webhook !== undefined && item.webhookDoneAt === null) {
    await postLinkageEvent(webhook, event, Math.floor(Date.now() / 1000));
    metrics.linkageDeliveries.inc({ target: 'webhook', outcome: 'ok' });
  }
  const now = deps.clock.now();
  await Outbox.updateOne(guard, {
    $set: {
      status: 'delivered',
      deliveredAt: now,
      webhookDoneAt: webhook === undefined ? null : now,
      lastError: null,
      leaseOwner: null,
      leaseUntil: null,
    },
  });
}

async function failed(
  deps: DeliveryDeps,
  options: LinkageDeliveryOptions,
  item: Claimed,
  owner: string,
  err: unknown,
): Promise<void> {
  const window = { baseMs: options.backoffBaseMs, maxMs: options.backoffMaxMs };
  const delay = fullJitterDelayMs(item.attempts, window, deps.random);
  const lastError = describeError(err).slice(0, 500);
  linkageMetrics(deps.metrics.registry).linkageDeliveries.inc({ target: 'any', outcome: 'retry' });
  deps.logger.warn(
    {
      component: 'linkage',
      eventId: item.eventId,
      attempts: item.attempts,
      retryInMs: delay,
      lastError,
    },
    'linkage event delivery failed; will retry',
  );
  await deps.models.LinkageOutbox.updateOne(
    { _id: item._id, leaseOwner: owner },
    {
      $set: {
        lastError,
        nextAttemptAt: new Date(deps.clock.now().getTime() + delay),
        leaseOwner: null,
        leaseUntil: null,
      },
    },
  );
}

/** Starts this instance's delivery loop; stop() waits for the current event. */
export function startLinkageDelivery(
  deps: DeliveryDeps,
  overrides: Partial<LinkageDeliveryOptions> = {},
): { stop(): Promise<void> } {
  const options = { ...DEFAULT_LINKAGE_DELIVERY_OPTIONS, ...overrides };
  const instance = randomUUID();
  let running = true;
  const wake = new WakeUp();
  const unsubscribe = onWrite(deps.models.LinkageOutbox, () => wake.nudge());

  async function loop(): Promise<void> {
    let seq = 0;
    while (running) {
      try {
        const owner = `${instance}:${++seq}`;
        const item = await claimOne(deps, options, owner);
        if (item === null) {
          await wake.sleep(options.pollIntervalMs);
          continue;
        }
        await deliver(deps, options, item, owner).catch((err: unknown) =>
          failed(deps, options, item, owner, err),
        );
      } catch (err) {
        deps.logger.warn({ err: describeError(err) }, 'linkage delivery poll failed');
        if (running) await wake.sleep(options.pollIntervalMs * 5);
      }
    }
  }
  const done = loop();
  return {
    async stop() {
      running = false;
      unsubscribe();
      wake.nudge();
      await done;
    },
  };
}
