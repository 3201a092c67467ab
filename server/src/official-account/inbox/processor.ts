import { randomUUID } from 'node:crypto';
import { isRetryableWechatError } from '@wxlink/contracts';
import type { Logger } from 'pino';
import type { AppDeps } from '../../deps';
import { backoffWindowMs, randomFraction } from '../../platform/backoff';
import { describeError } from '../../platform/errors';
import { TimeoutError, withTimeout } from '../../platform/with-timeout';
import { WechatApiError } from '../../wechat/errors';
import {
  claimInboxItem,
  completeHandledItem,
  completeItem,
  releaseClaims,
  type ClaimedItem,
} from './claims';
import { handlerFor, type HandlerItem } from './handlers';
import { forgetFollowerEntries } from './retention';
import { linkageMetrics } from '../linkage-events/metrics';
import { onWrite } from '../write-signal';
import { WakeUp } from './wake-up';

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

const DEFAULT_INBOX_PROCESSOR_OPTIONS: Readonly<InboxProcessorOptions> = {
  pollIntervalMs: 1000,
  leaseMs: 60_000,
  maxAttempts: 10,
  backoffBaseMs: 2000,
  backoffMaxMs: 10 * 60_000,
  concurrency: 4,
  stopTimeoutMs: 5000,
  backlogSampleMs: 15_000,
};

export type ProcessorDeps = Pick<
  AppDeps,
  'models' | 'clock' | 'random' | 'wechat' | 'logger' | 'metrics' | 'config'
>;

export interface InboxProcessor {
  stop(): Promise<void>;
}

/**
 * The delay before retry `attempts`: the doubling window of platform/backoff.ts
 * with ±20 % jitter (not full jitter: a push's linkage should not be retried
 * at once after a WeChat failure). `fraction` is uniform in [0, 1), drawn
 * from deps.random.
 */
export function backoffDelayMs(
  attempts: number,
  options: Pick<InboxProcessorOptions, 'backoffBaseMs' | 'backoffMaxMs'>,
  fraction: () => number,
): number {
  const window = backoffWindowMs(attempts, {
    baseMs: options.backoffBaseMs,
    maxMs: options.backoffMaxMs,
  });
  // Jitter spreads retries of a burst (e.g. after a WeChat outage) over time.
  return Math.round(window * (0.8 + 0.4 * fraction()));
}

/** Whether a failure is worth retrying; anything unexpected is retried too (bounded by maxAttempts). */
function isPermanentFailure(err: unknown): boolean {
  if (err instanceof WechatApiError) {
    // e.g. 40003 invalid openid: asking again will not help.
    return err.code === 'NOT_FOUND' && !isRetryableWechatError(err.errcode);
  }
  return false;
}

/** Starts this instance's processing loops; stop() finishes or releases what they hold. */
export function startInboxProcessor(
  deps: ProcessorDeps,
  overrides: Partial<InboxProcessorOptions> = {},
): InboxProcessor {
  return new InboxLoops(deps, { ...DEFAULT_INBOX_PROCESSOR_OPTIONS, ...overrides });
}

class InboxLoops implements InboxProcessor {
  private readonly instanceId = randomUUID();
  private readonly log: Logger;
  private readonly wake = new WakeUp();
  private readonly unsubscribe: () => void;
  private readonly loops: Promise<void>[];
  /** Claim tokens this instance holds right now. */
  private readonly held = new Set<string>();
  private running = true;
  private claimSeq = 0;
  private lastBacklogSample = 0;

  constructor(
    private readonly deps: ProcessorDeps,
    private readonly options: InboxProcessorOptions,
  ) {
    this.log = deps.logger.child({ component: 'inbox-processor' });
    this.unsubscribe = onWrite(deps.models.Inbox, () => this.wake.nudge());
    this.loops = Array.from({ length: Math.max(1, options.concurrency) }, () => this.loop());
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe();
    this.wake.nudge();
    // withTimeout clears its timer when the loops finish first: a timer left
    // to run out keeps this processor (and its deps) reachable meanwhile.
    const done = await withTimeout(Promise.all(this.loops), this.options.stopTimeoutMs).then(
      () => true,
      (err: unknown) => {
        if (err instanceof TimeoutError) return false;
        throw err;
      },
    );
    if (done) return;
    // Handlers still running: hand their items back.
    const tokens = [...this.held];
    if (tokens.length === 0) return;
    try {
      await releaseClaims(this.deps, tokens);
      this.log.info({ released: tokens.length }, 'released inbox claims on shutdown');
    } catch (err) {
      this.log.warn(
        { err: describeError(err) },
        'could not release inbox claims; their leases will expire',
      );
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const worked = await this.step();
        failures = 0;
        if (!worked && this.running) {
          await this.sampleBacklog();
          await this.wake.sleep(this.options.pollIntervalMs);
        }
      } catch (err) {
        // The database is unreachable or similar: back off, keep the loop alive.
        failures++;
        this.log.warn({ err: describeError(err), failures }, 'inbox poll failed');
        const backoff = this.options.pollIntervalMs * 2 ** Math.min(failures, 5);
        if (this.running) await this.wake.sleep(Math.min(backoff, 30_000));
      }
    }
  }

  /** Claims and processes one item; false when nothing was due. */
  private async step(): Promise<boolean> {
    const token = `${this.instanceId}:${++this.claimSeq}`;
    const { Inbox } = this.deps.models;
    const item = await claimInboxItem(Inbox, this.deps.clock.now(), token, this.options.leaseMs);
    if (item === null) return false;
    this.held.add(token);
    try {
      await this.processOne(item, token);
    } finally {
      this.held.delete(token);
    }
    return true;
  }

  private async processOne(item: ClaimedItem, token: string): Promise<void> {
    const { deps } = this;
    const handler = handlerFor(item.type);
    if (handler === undefined) return this.ignore(item, token);
    try {
      // The stored payload is the parsed push of `item.type` (intake writes both together).
      const outcome = await handler(deps, item as unknown as HandlerItem);
      // The erasure first: it flags this entry too, so completing it deletes it,
      // and an entry leaves `processing` only once everything it causes is done.
      let erased = 0;
      if (outcome.forgetFollower) {
        erased += await forgetFollowerEntries(deps, item.appid, item.openid);
      }
      const now = deps.clock.now();
      const done = { status: 'done', processedAt: now, lastError: null };
      erased += Number(await completeHandledItem(deps.models.Inbox, item._id, token, done, now));
      this.countErased(erased);
      deps.metrics.eventsProcessed.inc({ type: item.type, outcome: 'done' });
    } catch (err) {
      await this.fail(item, token, err);
    }
  }

  /** No handler for this type (e.g. a menu click): done, but counted and logged as unhandled. */
  private async ignore(item: ClaimedItem, token: string): Promise<void> {
    const { deps } = this;
    const event = typeof item.payload.event === 'string' ? item.payload.event : '';
    const now = deps.clock.now();
    const done = { status: 'done', processedAt: now };
    this.countErased(
      Number(await completeHandledItem(deps.models.Inbox, item._id, token, done, now)),
    );
    deps.metrics.eventsProcessed.inc({ type: item.type, outcome: 'ignored' });
    linkageMetrics(deps.metrics.registry).pushesUnhandled.inc({ type: item.type, event });
    this.log.info(
      { inboxId: String(item._id), type: item.type, event },
      'no handler for this push',
    );
  }

  /** Counts entries deleted with an unfollow (erase retention). */
  private countErased(entries: number): void {
    if (entries === 0) return;
    linkageMetrics(this.deps.metrics.registry).pruned.inc({ what: 'inbox_unfollowed' }, entries);
  }

  /** A failed attempt: dead-lettered once the attempts are used up, else retried after a backoff. */
  private async fail(item: ClaimedItem, token: string, err: unknown): Promise<void> {
    const { deps, options } = this;
    const lastError = describeError(err).slice(0, 1000);
    const now = deps.clock.now();
    const facts = {
      inboxId: String(item._id),
      type: item.type,
      attempts: item.attempts,
      lastError,
    };
    if (item.attempts >= options.maxAttempts || isPermanentFailure(err)) {
      const dead = { status: 'dead', lastError, processedAt: now };
      await completeItem(deps.models.Inbox, item._id, token, dead);
      deps.metrics.eventsDeadLettered.inc({ type: item.type });
      this.log.error(facts, 'inbox item dead-lettered');
      return;
    }
    const delay = backoffDelayMs(item.attempts, options, () => randomFraction(deps.random));
    const retry = { status: 'pending', lastError, nextAttemptAt: new Date(now.getTime() + delay) };
    await completeItem(deps.models.Inbox, item._id, token, retry);
    deps.metrics.eventsProcessed.inc({ type: item.type, outcome: 'retry' });
    this.log.warn({ ...facts, retryInMs: delay }, 'inbox item failed; will retry');
  }

  private async sampleBacklog(): Promise<void> {
    const now = Date.now();
    if (now - this.lastBacklogSample < this.options.backlogSampleMs) return;
    this.lastBacklogSample = now;
    const backlog = await this.deps.models.Inbox.countDocuments({
      status: { $in: ['pending', 'processing'] },
    });
    this.deps.metrics.inboxBacklog.set(backlog);
  }
}
