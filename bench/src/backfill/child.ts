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
  find(): { lean(): Promise<never[]> } {
    return { lean: () => Promise.resolve([]) };
  }
  bulkWrite(ops: readonly BulkOp[]): Promise<{ insertedCount: number; matchedCount: number }> {
    const inserts = ops.filter((op) => op.insertOne !== undefined).length;
    this.inserted += inserts;
    return Promise.resolve({ insertedCount: inserts, matchedCount: ops.length - inserts });
  }
}

class CursorStandIn {
  findOne(): { lean(): Promise<null> } {
    return { lean: () => Promise.resolve(null) };
  }
  updateOne(): Promise<{ matchedCount: number }> {
    return Promise.resolve({ matchedCount: 1 });
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
