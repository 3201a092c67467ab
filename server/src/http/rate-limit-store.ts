import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Clock } from '../deps';
import {
  createGroupCommit,
  REQUEST_PATH_GROUPING,
  type GroupedCall,
  perKey,
} from '../platform/group-commit';
import { CONFLICT, retryOnConflict } from '../platform/retry';
import type { RateLimitCounter, RateLimitCounterModel } from './rate-limit.model';

/**
 * express-rate-limit store over our own mongoose model, so every server
 * instance shares one counter per client. Not a library store on purpose:
 * rate-limit-mongo and friends open their own MongoDB driver connection
 * (another pool, another URI to configure, another driver version) and rely
 * on update features the embedded test database lacks; this is ~50 lines on
 * the connection we already have.
 *
 * Fixed windows aligned to the clock (window n covers [n·windowMs,
 * (n+1)·windowMs)): a counter document per key and window, `key@n`, with
 * hits and resetAt (the window's end, for Retry-After and the TTL index).
 * Counting a hit is one upsert `$inc` whatever the state: a window nobody
 * has hit yet is created by it, and one that lapsed is simply not the
 * current document any more, so a client's first hit costs one command, not
 * a miss and a restart. (E11000 from two first hits racing on real MongoDB:
 * the loser retries and increments the winner's document.) Hits of one key
 * that arrive while its counter commands are out go together as one $inc
 * (platform/group-commit.ts).
 */
export class MongoRateLimitStore implements Store {
  readonly localKeys = false;

  /**
   * One command per distinct key of the group: hits of one key that wait
   * together are one `$inc` of their number, and each is told the count its
   * own hit made. That is exact even with other instances counting too: a
   * `$inc` is atomic, so the group's hits are the last `n` of the count it
   * returns. A flood from one address then costs the database a command per
   * round trip, not per request; hits of distinct keys cost what they did.
   */
  private readonly countGroup = perKey<string, RateLimitCounter>(
    (key) => key,
    async (key, members) => {
      const counter = await this.addHits(key, members.length);
      members.forEach((member, place) => {
        member.resolve({ ...counter, hits: counter.hits - (members.length - 1 - place) });
      });
    },
  );

  /** Counts one hit of a key, sharing commands with concurrent hits. */
  private readonly increments: GroupedCall<string, RateLimitCounter> = createGroupCommit(
    this.countGroup,
    { ...REQUEST_PATH_GROUPING, what: 'rate-limit counter hits' },
  );

  /**
   * `windowMs` is the window when the store is used on its own (a failure
   * budget, a per-user quota); express-rate-limit overrides it through init().
   */
  constructor(
    protected readonly model: RateLimitCounterModel,
    protected readonly clock: Clock,
    readonly prefix: string,
    private windowMs = 60_000,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  /**
   * Counts one use of `key` against `limit` per window. When the budget is
   * spent, `retryAfterSeconds` says when the window ends (at least 1).
   */
  async spend(
    key: string,
    limit: number,
  ): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const info = await this.increment(key);
    const waitMs = (info.resetTime?.getTime() ?? 0) - this.clock.now().getTime();
    return {
      allowed: info.totalHits <= limit,
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    };
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const doc = await this.model
      .findOne({ key: this.windowOf(key).key })
      .lean<RateLimitCounter>()
      .exec();
    return doc ? { totalHits: doc.hits, resetTime: doc.resetAt } : undefined;
  }

  /** The current window of `key`: its document's key (prefixed) and its end. */
  protected windowOf(key: string): { key: string; resetAt: Date } {
    const window = Math.floor(this.clock.now().getTime() / this.windowMs);
    return {
      key: `${this.prefix}${key}@${window}`,
      resetAt: new Date((window + 1) * this.windowMs),
    };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    return this.infoOf(await this.incrementCounter(key));
  }

  /** What express-rate-limit sees of a counter: its hits in the live window. */
  protected infoOf(counter: RateLimitCounter): ClientRateLimitInfo {
    return { totalHits: counter.hits, resetTime: counter.resetAt };
  }

  /**
   * Counts one hit in the current window; the counter after it. Concurrent
   * hits share commands (countGroup).
   */
  protected incrementCounter(key: string): Promise<RateLimitCounter> {
    return this.increments(key);
  }

  /** Adds `hits` to the current window of `k`; the counter after it. */
  private addHits(k: string, hits: number): Promise<RateLimitCounter> {
    return retryOnConflict('rate-limit counter', async () => {
      const { key, resetAt } = this.windowOf(k);
      // The counter of every request this store limits: sent with the driver
      // (every value is already what is stored), without mongoose's casting.
      const counter = await this.model.collection.findOneAndUpdate(
        { key },
        { $inc: { hits }, $setOnInsert: { failures: 0, resetAt } },
        { upsert: true, returnDocument: 'after' },
      );
      return (counter as RateLimitCounter | null) ?? CONFLICT;
    });
  }

  async decrement(key: string): Promise<void> {
    await this.model
      .updateOne({ key: this.windowOf(key).key, hits: { $gt: 0 } }, { $inc: { hits: -1 } })
      .exec();
  }

  async resetKey(key: string): Promise<void> {
    await this.model.deleteOne({ key: this.windowOf(key).key }).exec();
  }
}
