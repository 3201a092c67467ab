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
 * Fixed windows: a counter document per key with hits and resetAt. An
 * increment is one atomic $inc while the window is live; a lapsed window is
 * restarted by a conditional upsert, whose E11000 (someone restarted it
 * first) sends us back to the $inc. Hits of one key that arrive while its
 * counter commands are out go together as one $inc (platform/group-commit.ts).
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

  /** Counts one hit of a prefixed key, sharing commands with concurrent hits. */
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
      .findOne({ key: this.prefix + key, resetAt: { $gt: this.clock.now() } })
      .lean<RateLimitCounter>()
      .exec();
    return doc ? { totalHits: doc.hits, resetTime: doc.resetAt } : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    return this.infoOf(await this.incrementCounter(key));
  }

  /** What express-rate-limit sees of a counter: its hits in the live window. */
  protected infoOf(counter: RateLimitCounter): ClientRateLimitInfo {
    return { totalHits: counter.hits, resetTime: counter.resetAt };
  }

  /**
   * Counts one hit in the live window (restarting a lapsed one); the counter
   * after it. Concurrent hits share commands (countGroup).
   */
  protected incrementCounter(key: string): Promise<RateLimitCounter> {
    return this.increments(this.prefix + key);
  }

  /** Adds `hits` to the live window of the prefixed key `k` (restarting a lapsed one). */
  private addHits(k: string, hits: number): Promise<RateLimitCounter> {
    return retryOnConflict('rate-limit counter', async () => {
      const now = this.clock.now();
      // The counter of every request this store limits: sent with the driver
      // (both values are already what is stored), without mongoose's casting.
      const live = await this.model.collection.findOneAndUpdate(
        { key: k, resetAt: { $gt: now } },
        { $inc: { hits } },
        { returnDocument: 'after' },
      );
      if (live) return live as RateLimitCounter;
      // The window lapsed (or never existed): restart it, with every count
      // the window carries at zero. E11000 means another request restarted
      // it first; the next round $incs theirs.
      const resetAt = new Date(now.getTime() + this.windowMs);
      const fresh = await this.model
        .findOneAndUpdate(
          { key: k, resetAt: { $lte: now } },
          { $set: { hits, failures: 0, resetAt } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean<RateLimitCounter>()
        .exec();
      return fresh ?? CONFLICT;
    });
  }

  async decrement(key: string): Promise<void> {
    await this.model
      .updateOne(
        { key: this.prefix + key, resetAt: { $gt: this.clock.now() }, hits: { $gt: 0 } },
        { $inc: { hits: -1 } },
      )
      .exec();
  }

  async resetKey(key: string): Promise<void> {
    await this.model.deleteOne({ key: this.prefix + key }).exec();
  }
}
