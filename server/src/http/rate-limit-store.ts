import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Clock } from '../deps';
import {
  createGroupCommit,
  REQUEST_PATH_GROUPING,
  type GroupedCall,
  perKey,
} from '../platform/group-commit';
import { CONFLICT, isDuplicateKeyError, retryOnConflict } from '../platform/retry';
import type { RateLimitCounter, RateLimitCounterModel } from './rate-limit.model';

/** What a window counts. */
type WindowCounts = { hits: number; failures: number };

/**
 * express-rate-limit store over our own mongoose model, so every server
 * instance shares one counter per client. Not a library store on purpose:
 * rate-limit-mongo and friends open their own MongoDB driver connection
 * (another pool, another URI to configure, another driver version) and rely
 * on update features the embedded test database lacks; this is one small
 * class on the connection we already have.
 *
 * Fixed windows that start at a key's first hit: a counter document per key
 * with hits and resetAt (the window's end, for Retry-After and the TTL
 * index). Counting is one upsert in the usual cases (countInWindow): a `$inc`
 * into the live window, or, with no document for the key, the insert that
 * opens one, so a client's first hit costs one command. A lapsed window
 * still holding the key (until the TTL index removes it) makes that insert
 * fail with E11000, and is then restarted by a conditional update. Hits of
 * one key that arrive while its counter commands are out go together as one
 * $inc (platform/group-commit.ts).
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
      const n = members.length;
      const counter = await this.countInWindow(key, { hits: n }, { hits: n, failures: 0 });
      members.forEach((member, place) => {
        member.resolve({ ...counter, hits: counter.hits - (n - 1 - place) });
      });
    },
  );

  /**
   * Counts one hit of a key in its live window (opening or restarting one);
   * the counter after it. Concurrent hits share commands (countGroup).
   */
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
    return doc ? this.infoOf(doc) : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    return this.infoOf(await this.increments(key));
  }

  /** What express-rate-limit sees of a counter: its hits in the live window. */
  protected infoOf(counter: RateLimitCounter): ClientRateLimitInfo {
    return { totalHits: counter.hits, resetTime: counter.resetAt };
  }

  /**
   * `$inc`s `add` into the live window of `key`, or opens a window holding
   * `opening` (whose value of a field in `add` is that field's add). One
   * command, unless a lapsed window still holds the key: its E11000 is
   * followed by restarting that window with `opening`. Losing a race on
   * either step (another instance opened or restarted it first) goes round
   * again and `$inc`s theirs.
   */
  protected countInWindow(
    key: string,
    add: Partial<WindowCounts>,
    opening: WindowCounts,
  ): Promise<RateLimitCounter> {
    const k = this.prefix + key;
    const setOnInsert = Object.fromEntries(
      Object.entries(opening).filter(([field]) => !(field in add)),
    );
    return retryOnConflict('rate-limit counter', async () => {
      const now = this.clock.now();
      const resetAt = new Date(now.getTime() + this.windowMs);
      try {
        // Every request this store limits sends this: with the driver (every
        // value is already what is stored), without mongoose's casting.
        const counter = await this.model.collection.findOneAndUpdate(
          { key: k, resetAt: { $gt: now } },
          { $inc: add, $setOnInsert: { ...setOnInsert, resetAt } },
          { upsert: true, returnDocument: 'after' },
        );
        return (counter as RateLimitCounter | null) ?? CONFLICT;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const restarted = await this.model.collection.findOneAndUpdate(
        { key: k, resetAt: { $lte: now } },
        { $set: { ...opening, resetAt } },
        { returnDocument: 'after' },
      );
      return (restarted as RateLimitCounter | null) ?? CONFLICT;
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
