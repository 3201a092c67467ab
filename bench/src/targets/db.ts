import mongoose, { type Connection } from 'mongoose';

/** The collection the peers and the floor write each push into. */
export const EVENTS_COLLECTION = 'bench_events';

export async function connectDb(uri: string, dbName: string): Promise<Connection> {
  const conn = mongoose.createConnection(uri, {
    dbName,
    autoCreate: false,
    serverSelectionTimeoutMS: 10_000,
  });
  await conn.asPromise();
  return conn;
}

/**
 * Creates the events collection with the one index the peers' write needs
 * to deduplicate retries the way ours does (unique key), so every target
 * pays for one insert into one unique index.
 */
export async function prepareEventsCollection(conn: Connection): Promise<void> {
  // createIndex creates the collection (the embedded server has no `create` command).
  await conn.collection(EVENTS_COLLECTION).createIndex({ dedupKey: 1 }, { unique: true });
}

/** E11000: the push is already stored (a retry), which counts as stored. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 11000;
}

export interface StoredEvent {
  dedupKey: string;
  openid: string;
  createTime: number;
  event: string;
  payload: Record<string, unknown>;
  receivedAt: Date;
}

/** The single write every intake target performs per push. */
export async function insertEvent(conn: Connection, doc: StoredEvent): Promise<void> {
  try {
    await conn.collection<StoredEvent>(EVENTS_COLLECTION).insertOne(doc);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}
