import { AppError } from '../../platform/errors';
import type { AppDeps } from '../../deps';
import type { InboxItem } from './inbox.model';

/**
 * Dead-letter replay: after the cause of a failure is fixed, puts `dead`
 * inbox items back to `pending` (attempts reset, due now) so the processors
 * of the running servers pick them up within a poll interval. Each move is
 * guarded by `status: 'dead'`, so an item that changed meanwhile is left
 * alone and a replay run twice does nothing the second time.
 */
export type ReplayDeps = Pick<AppDeps, 'models' | 'clock'>;

export interface ReplayOptions {
  /** One item by its `_id`. */
  id?: string;
  /** Every dead item. */
  all?: boolean;
  /** Report what would be replayed, change nothing. */
  dryRun?: boolean;
}

/** What the operator sees of an item: no payload, no openid. */
export interface ReplayedItem {
  id: string;
  type: string;
  createTime: number;
  attempts: number;
  lastError: string | null;
}

export interface ReplayResult {
  /** Dead items found (for --dry-run: would be replayed). */
  items: ReplayedItem[];
  /** Items actually moved back to pending (0 on a dry run). */
  replayed: number;
  dryRun: boolean;
}

/** Items moved per update, so one statement stays small however many are dead. */
const CHUNK = 500;

type DeadDoc = Pick<InboxItem, 'type' | 'createTime' | 'attempts' | 'lastError' | 'status'> & {
  _id: { toString(): string };
};

const view = (doc: DeadDoc): ReplayedItem => ({
  id: doc._id.toString(),
  type: doc.type,
  createTime: doc.createTime,
  attempts: doc.attempts,
  lastError: doc.lastError ?? null,
});

export async function replayDeadLetters(
  deps: ReplayDeps,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const hasId = options.id !== undefined;
  if (hasId === (options.all === true)) {
    throw new AppError('USAGE', 'give exactly one of --id <inboxId> or --all');
  }
  const dryRun = options.dryRun === true;
  const Inbox = deps.models.Inbox;
  const fields = { type: 1, createTime: 1, attempts: 1, lastError: 1, status: 1 };

  let found: DeadDoc[];
  if (options.id !== undefined) {
    if (!/^[0-9a-f]{24}$/i.test(options.id)) {
      throw new AppError('USAGE', `not an inbox id: ${options.id}`);
    }
    const doc = await Inbox.findById(options.id, fields).lean<DeadDoc>();
    if (doc === null) throw new AppError('NOT_FOUND', `no inbox item ${options.id}`);
    if (doc.status !== 'dead') {
      throw new AppError('INVALID_REQUEST', `inbox item ${options.id} is ${doc.status}, not dead`);
    }
    found = [doc];
  } else {
    found = await Inbox.find({ status: 'dead' }, fields).sort({ receivedAt: 1 }).lean<DeadDoc[]>();
  }

  const items = found.map(view);
  if (dryRun) return { items, replayed: 0, dryRun };
  let replayed = 0;
  for (let i = 0; i < found.length; i += CHUNK) {
    const ids = found.slice(i, i + CHUNK).map((d) => d._id);
    const res = await Inbox.updateMany(
      { _id: { $in: ids }, status: 'dead' },
      {
        // lastError stays for the record until the next attempt replaces it.
        $set: {
          status: 'pending',
          attempts: 0,
          nextAttemptAt: deps.clock.now(),
          leaseUntil: null,
          leaseOwner: null,
          processedAt: null,
        },
      },
    );
    replayed += res.modifiedCount;
  }
  return { items, replayed, dryRun };
}
