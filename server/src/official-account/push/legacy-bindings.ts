import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Clock } from '../../deps';
import { withTimeout } from '../../platform/with-timeout';
import type { SignedQueryBinding } from '../inbox/inbox.model';
import { bindingCheckUnavailable, reusedWithAnotherBody } from './replay-guard';

/**
 * Where versions before the inbox held the bindings (replay-guard.ts) kept
 * them: one document per signed query, `{queryKey, bodyHash, expiresAt}`,
 * with the same key and hash as `signedQueryBinding`.
 */
export const LEGACY_BINDINGS_COLLECTION = 'push_signed_queries';

interface LegacyBinding {
  queryKey: string;
  bodyHash: string;
  expiresAt: Date;
}

/**
 * The bindings an earlier version wrote, still honoured after an upgrade:
 * a push URL logged just before it must not carry another body just after.
 * Their collection is read only until the newest of them lapses (at most
 * PUSH_MAX_AGE_SECONDS after the upgrade); from then on, and on a database
 * that never had any, the check costs a comparison. Once past, the
 * collection can be dropped (docs/deploy.md).
 */
export class LegacyBindings {
  private lapsesAt: Promise<number> | undefined;
  /** Set once the newest legacy binding has lapsed: from then on a check is this comparison. */
  private lapsed = false;

  constructor(
    private readonly db: Connection,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Refuses `binding` when a legacy binding gave its query another body. A
   * database that does not answer in time is SERVICE_UNAVAILABLE, like the
   * inbox write: the push is left unanswered and WeChat retries.
   */
  async check(binding: SignedQueryBinding, timeoutMs: number): Promise<void> {
    if (this.lapsed) return;
    let bound: LegacyBinding | null;
    try {
      const lapsesAt = await withTimeout(this.newestExpiry(), timeoutMs);
      if (this.clock.now().getTime() >= lapsesAt) {
        this.lapsed = true;
        return;
      }
      bound = await withTimeout(
        this.collection().findOne({ queryKey: binding.key, expiresAt: { $gt: this.clock.now() } }),
        timeoutMs,
      );
    } catch (err) {
      throw bindingCheckUnavailable(this.logger, err);
    }
    if (bound !== null && bound.bodyHash !== binding.bodyHash) throw reusedWithAnotherBody();
  }

  private collection() {
    return this.db.collection<LegacyBinding>(LEGACY_BINDINGS_COLLECTION);
  }

  /** When the newest legacy binding lapses (ms; 0 when there is none), read once. */
  private newestExpiry(): Promise<number> {
    this.lapsesAt ??= this.collection()
      .find({})
      .sort({ expiresAt: -1 })
      .limit(1)
      .toArray()
      .then(([newest]) => newest?.expiresAt.getTime() ?? 0);
    // A failed read is asked again by the next push, not remembered.
    this.lapsesAt.catch(() => (this.lapsesAt = undefined));
    return this.lapsesAt;
  }
}
