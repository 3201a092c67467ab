import { randomUUID } from 'node:crypto';
import { isRetryableWechatError } from '@wxlink/contracts';
import type { AppDeps } from '../../deps';
import type { InboxItem } from './inbox.model';
import { describeError } from '../../platform/errors';
import { isLeaseFree, takeLease } from '../../platform/lease';
import { WechatApiError } from '../../wechat/errors';
import { handlerFor, type HandlerItem } from './handlers';
import { forgetFollowerEntries } from './retention';
import { linkageMetrics } from '../linkage-events/metrics';
import { onInboxWrite } from './signal';

/**
 * Background processing of the official-account inbox, safe with any number
 * of instances:
 *
 * - claim: a guarded (compare-and-set) update turns a due `pending` item (or
 *   a `processing` one whose lease expired: its holder crashed) into
 *   `processing` with a lease and a claim token, and counts the attempt;
 * - success: `done`; failure: back to `pending` with an exponential backoff,
 *   or `dead` with the last error once the attempts are used up;
 * - completion only applies while the claim token still matches, so a slow
 *   holder whose lease was taken over cannot overwrite the newer outcome.
 *
 * A short poll plus an in-process wake-up after each stored push keeps the
 * latency low; `stop()` finishes or releases what this instance holds.
 */
export interface InboxProcessorOptions {
  /** Idle poll interval. */
  pollIntervalMs: number;
  /** How long a claim is exclusive; longer than any handler should take. */
  leaseMs: number;
  /** Attempts before an item is dead-lettered. */
  maxAttempts: number;
  /** First retry delay; doubles each attempt up to backoffMaxMs (±20 % jitter). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Items processed in parallel by this instance. */
  concurrency: number;
  /** How long stop() waits for running handlers before releasing their claims. */
  stopTimeoutMs: number;
  /** How often the backlog gauge is sampled. */
  backlogSampleMs: number;
}

export const DEFAULT_INBOX_PROCESSOR_OPTIONS: Readonly<InboxProcessorOptions> = {
  pollIntervalMs: 1000,
  leaseMs: 60_000,
  maxAttempts: 10,
  backoffBaseMs: 2000,
  backoffMaxMs: 10 * 60_000,
  concurrency: 4,
  stopTimeoutMs: 5000,
  backlogSampleMs: 15_000,
};

/** Due items read per claim round; several, so instances racing for the head still find work. */
const CLAIM_CANDIDATES = 8;

export type ProcessorDeps = Pick<
  AppDeps,
  'models' | 'clock' | 'wechat' | 'logger' | 'metrics' | 'config'
>;

export interface InboxProcessor {
  stop(): Promise<void>;
}

type Claimed = Pick<
  InboxItem,
  'appid' | 'type' | 'openid' | 'createTime' | 'payload' | 'attempts'
> & { _id: unknown };

export function backoffDelayMs(
  attempts: number,
  options: Pick<InboxProcessorOptions, 'backoffBaseMs' | 'backoffMaxMs'>,
  random: () => number = Math.random,
): number {
  const exp = options.backoffBaseMs * 2 ** Math.max(0, attempts - 1);
  const capped = Math.min(exp, options.backoffMaxMs);
  // Jitter spreads retries of a burst (e.g. after a WeChat outage) over time.
  return Math.round(capped * (0.8 + 0.4 * random()));
}

/** Whether a failure is worth retrying; anything unexpected is retried too (bounded by maxAttempts). */
export function isPermanentFailure(err: unknown): boolean {
  if (err instanceof WechatApiError) {
    // e.g. 40003 invalid openid: asking again will not help.
    return err.code === 'NOT_FOUND' && !isRetryableWechatError(err.errcode);
  }
  return false;
}

const describe = describeError;

export function startInboxProcessor(
  deps: ProcessorDeps,
  overrides: Partial<InboxProcessorOptions> = {},
): InboxProcessor {
  const options: InboxProcessorOptions = { ...DEFAULT_INBOX_PROCESSOR_OPTIONS, ...overrides };
  const Inbox = deps.models.Inbox;
  const instanceId = randomUUID();
  const log = deps.logger.child({ component: 'inbox-processor' });
  let running = true;
  let claimSeq = 0;
  /** Claim tokens this instance holds right now. */
  const held = new Set<string>();
  let wakeUp: (() => void)[] = [];
  /** A nudge that found no idle loop: the next sleep returns at once (no lost wake-up). */
  let nudgedWhileBusy = false;
  let lastBacklogSample = 0;

  const nudge = (): void => {
    const waiting = wakeUp;
    wakeUp = [];
    if (waiting.length === 0) nudgedWhileBusy = true;
    for (const resolve of waiting) resolve();
  };
  const unsubscribe = onInboxWrite(Inbox, nudge);

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (nudgedWhileBusy) {
        nudgedWhileBusy = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeUp = wakeUp.filter((r) => r !== done);
        resolve();
      }
      wakeUp.push(done);
    });

  /**
   * Read a few due candidates, then take one's lease (platform/lease.ts),
   * guarded by the status and attempts we read: exactly one claimer wins
   * each item, on any MongoDB.
   */
  async function claim(): Promise<{ item: Claimed; token: string } | null> {
    const now = deps.clock.now();
    const candidates = await Inbox.find({
      $or: [
        { status: 'pending', nextAttemptAt: { $lte: now } },
        { status: 'processing', leaseUntil: { $lt: now } },
      ],
    })
      .sort({ nextAttemptAt: 1 })
      .limit(CLAIM_CANDIDATES)
      .lean<(Claimed & Pick<InboxItem, 'status' | 'leaseOwner' | 'leaseUntil'>)[]>();
    for (const candidate of candidates) {
      // A pending item holds no lease; a processing one only an expired one.
      if (!isLeaseFree(candidate, now)) continue;
      const token = `${instanceId}:${++claimSeq}`;
      const taken = await takeLease(Inbox, { _id: candidate._id }, candidate, {
        owner: token,
        until: new Date(now.getTime() + options.leaseMs),
        set: { status: 'processing' },
        inc: { attempts: 1 },
        guard: { status: candidate.status, attempts: candidate.attempts },
      });
      if (taken) return { item: { ...candidate, attempts: candidate.attempts + 1 }, token };
      // Another instance took it first; try the next one.
    }
    return null;
  }

  async function complete(
    id: unknown,
    token: string,
    update: Record<string, unknown>,
  ): Promise<void> {
    await Inbox.updateOne(
      { _id: id, status: 'processing', leaseOwner: token },
      { $set: { ...update, leaseUntil: null, leaseOwner: null } },
    );
  }

  /** No handler for this type (e.g. a menu click): done, but counted and logged as unhandled. */
  async function ignore(item: Claimed, token: string): Promise<void> {
    const event = typeof item.payload.event === 'string' ? item.payload.event : '';
    await complete(item._id, token, { status: 'done', processedAt: deps.clock.now() });
    deps.metrics.eventsProcessed.inc({ type: item.type, outcome: 'ignored' });
    linkageMetrics(deps.metrics.registry).pushesUnhandled.inc({ type: item.type, event });
    log.info({ inboxId: String(item._id), type: item.type, event }, 'no handler for this push');
  }

  async function processOne(item: Claimed, token: string): Promise<void> {
    const handler = handlerFor(item.type);
    if (handler === undefined) return ignore(item, token);
    try {
      // The stored payload is the parsed push of `item.type` (intake writes both together).
      const outcome = await handler(deps, item as unknown as HandlerItem);
      await complete(item._id, token, {
        status: 'done',
        processedAt: deps.clock.now(),
        lastError: null,
      });
      if (outcome.forgetFollower) await forgetFollowerEntries(deps, item.appid, item.openid);
      deps.metrics.eventsProcessed.inc({ type: item.type, outcome: 'done' });
    } catch (err) {
      const lastError = describe(err).slice(0, 1000);
      const now = deps.clock.now();
      if (item.attempts >= options.maxAttempts || isPermanentFailure(err)) {
        await complete(item._id, token, { status: 'dead', lastError, processedAt: now });
        deps.metrics.eventsDeadLettered.inc({ type: item.type });
        log.error(
          { inboxId: String(item._id), type: item.type, attempts: item.attempts, lastError },
          'inbox item dead-lettered',
        );
        return;
      }
      const delay = backoffDelayMs(item.attempts, options);
      await complete(item._id, token, {
        status: 'pending',
        lastError,
        nextAttemptAt: new Date(now.getTime() + delay),
      });
      deps.metrics.eventsProcessed.inc({ type: item.type, outcome: 'retry' });
      log.warn(
        {
          inboxId: String(item._id),
          type: item.type,
          attempts: item.attempts,
          retryInMs: delay,
          lastError,
        },
        'inbox item failed; will retry',
      );
    }
  }

  /** Claims and processes one item; false when nothing was due. */
  async function step(): Promise<boolean> {
    const claimed = await claim();
    if (claimed === null) return false;
    held.add(claimed.token);
    try {
      await processOne(claimed.item, claimed.token);
    } finally {
      held.delete(claimed.token);
    }
    return true;
  }

  async function sampleBacklog(): Promise<void> {
    const now = Date.now();
    if (now - lastBacklogSample < options.backlogSampleMs) return;
    lastBacklogSample = now;
    const backlog = await Inbox.countDocuments({ status: { $in: ['pending', 'processing'] } });
    deps.metrics.inboxBacklog.set(backlog);
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (running) {
      try {
        const worked = await step();
        failures = 0;
        if (!worked && running) {
          await sampleBacklog();
          await sleep(options.pollIntervalMs);
        }
      } catch (err) {
        // The database is unreachable or similar: back off, keep the loop alive.
        failures++;
        log.warn({ err: describe(err), failures }, 'inbox poll failed');
        if (running)
          await sleep(Math.min(options.pollIntervalMs * 2 ** Math.min(failures, 5), 30_000));
      }
    }
  }

  const loops = Array.from({ length: Math.max(1, options.concurrency) }, () => loop());

  return {
    async stop(): Promise<void> {
      if (!running) return;
      running = false;
      unsubscribe();
      nudge();
      const finished = Promise.all(loops).then(() => true);
      const timedOut = new Promise<false>((resolve) => {
        const t = setTimeout(() => resolve(false), options.stopTimeoutMs);
        t.unref();
      });
      if (await Promise.race([finished, timedOut])) return;
      // Handlers still running: hand their items back so another instance takes over now
      // rather than after the lease; the attempt did not fail, so it is not counted.
      const tokens = [...held];
      if (tokens.length === 0) return;
      try {
        await Inbox.updateMany(
          { status: 'processing', leaseOwner: { $in: tokens } },
          {
            $set: {
              status: 'pending',
              leaseUntil: null,
              leaseOwner: null,
              nextAttemptAt: deps.clock.now(),
            },
            $inc: { attempts: -1 },
          },
        );
        log.info({ released: tokens.length }, 'released inbox claims on shutdown');
      } catch (err) {
        log.warn(
          { err: describe(err) },
          'could not release inbox claims; their leases will expire',
        );
      }
    },
  };
}
