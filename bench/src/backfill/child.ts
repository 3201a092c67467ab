/**
 * Child process running the server's follower backfill (syncFollowers)
 * against the sandbox, measured over the whole run: followers/s, CPU per
 * follower and peak RSS of this process.
 *
 * With `noDb`, the Follower and SyncCursor models are replaced by in-memory
 * stand-ins that count what they are given and keep nothing, so the run
 * measures fetching, decoding and reducing only (the embedded database's
 * write cost grows with collection size). The access token, one document,
 * still lives in the database: the token broker is MongoDB-backed.
 */
import { composeDeps, loadConfig, createLogger, syncFollowers, type Models } from '@wxlink/server';
import { Meter, type MeterReading } from '../lib/meter';
import { serveRpc } from '../lib/rpc';
import { oursEnv } from '../targets/ours';

export interface BackfillRun {
  uri: string;
  dbName: string;
  sandboxUrl: string;
  noDb: boolean;
}

export interface BackfillResult extends MeterReading {
  processed: number;
  /** Followers handed to the store (stand-in count, or documents in the collection). */
  stored: number;
  /** RSS just before the run started. */
  rssBeforeBytes: number;
  /** V8 heap in use after a forced GC, before and after the run: what the run retained. */
  heapBeforeBytes: number;
  heapAfterBytes: number;
}

function heapAfterGc(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed;
}

interface BulkOp {
  insertOne?: unknown;
  updateOne?: unknown;
}

/** Counts inserts; answers like mongoose's bulkWrite result for the fields syncFollowers reads. */
class FollowerStandIn {
  inserted = 0;
  find(): { lean(): Promise<never[]>; limit(): { lean(): Promise<never[]> } } {
    // No follower is known yet: every snapshot becomes an insert, and no
    // stored follower is missing from the list (the reconciliation finds none).
    const none = { lean: () => Promise.resolve([]) };
    return { ...none, limit: () => none };
  }
  findOne(): { lean(): Promise<null> } {
    return { lean: () => Promise.resolve(null) };
  }
  /** The run's "listed" mark: nothing stored to mark. */
  updateMany(): Promise<{ matchedCount: number; modifiedCount: number }> {
    return Promise.resolve({ matchedCount: 0, modifiedCount: 0 });
  }
  bulkWrite(ops: readonly BulkOp[]): Promise<{ insertedCount: number; matchedCount: number }> {
    const inserts = ops.filter((op) => op.insertOne !== undefined).length;
    this.inserted += inserts;
    return Promise.resolve({ insertedCount: inserts, matchedCount: ops.length - inserts });
  }
}

type Doc = Record<string, unknown>;

/** Whether `doc` has every field of `filter` (plain equality, dates by time: all the lease filters use). */
function matches(doc: Doc, filter: Doc): boolean {
  return Object.entries(filter).every(([key, want]) => {
    const have = doc[key] ?? null;
    if (want instanceof Date) return have instanceof Date && have.getTime() === want.getTime();
    return have === (want ?? null);
  });
}

/**
 * The import cursor in memory: one document (the run's only cursor), with
 * what platform/lease.ts calls (`findOne().lean().exec()`, `create`,
 * `updateOne(filter, {$set}).exec()`) matching filters as MongoDB would, so
 * the lease is taken, renewed and released for real.
 */
class CursorStandIn {
  private doc: Doc | null = null;
  findOne(filter: Doc): { lean(): { exec(): Promise<Doc | null> } } {
    const found = this.doc && matches(this.doc, filter) ? { ...this.doc } : null;
    return { lean: () => ({ exec: () => Promise.resolve(found) }) };
  }
  create(doc: Doc): Promise<Doc> {
    if (this.doc) return Promise.reject(new Error('E11000 duplicate key (cursor stand-in)'));
    this.doc = { ...doc };
    return Promise.resolve({ ...doc });
  }
  updateOne(
    filter: Doc,
    update: { $set?: Doc; $inc?: Record<string, number> },
  ): { exec(): Promise<{ matchedCount: number; modifiedCount: number }> } {
    const hit = this.doc !== null && matches(this.doc, filter);
    if (hit && this.doc) {
      Object.assign(this.doc, update.$set);
      for (const [key, by] of Object.entries(update.$inc ?? {}))
        this.doc[key] = Number(this.doc[key] ?? 0) + by;
    }
    const n = hit ? 1 : 0;
    return { exec: () => Promise.resolve({ matchedCount: n, modifiedCount: n }) };
  }
}

async function run(p: BackfillRun): Promise<BackfillResult> {
  const config = loadConfig(
    {
      ...oursEnv({ uri: p.uri, dbName: p.dbName, wechatApiBase: p.sandboxUrl }),
      LOG_LEVEL: 'error',
    },
    'production',
  );
  const deps = await composeDeps({
    config: { ...config, mongodbUri: p.uri },
    logger: createLogger(config),
    dbName: p.dbName,
    defaultMetrics: false,
  });
  const { db } = deps;
  try {
    const real = deps.models;
    const followers = new FollowerStandIn();
    // The stand-ins implement only what syncFollowers calls; the cast says so.
    // The WeChat client keeps the real models: its access token stays in the database.
    const models: Models = p.noDb
      ? {
          ...real,
          Follower: followers as unknown as Models['Follower'],
          SyncCursor: new CursorStandIn() as unknown as Models['SyncCursor'],
        }
      : real;
    const heapBeforeBytes = heapAfterGc();
    const rssBeforeBytes = process.memoryUsage.rss();
    const meter = new Meter();
    meter.start(5);
    const result = await syncFollowers({ ...deps, models }, { restart: true });
    const reading = meter.stop();
    const heapAfterBytes = heapAfterGc();
    const stored = p.noDb ? followers.inserted : await real.Follower.countDocuments().exec();
    return {
      ...reading,
      processed: result.processed,
      stored,
      rssBeforeBytes,
      heapBeforeBytes,
      heapAfterBytes,
    };
  } finally {
    await db.close();
  }
}

serveRpc({ run: (payload) => run(payload as BackfillRun) });
