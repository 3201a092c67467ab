import { startEmbeddedMongo, uniqueDbName, type MongoHandle } from '@wxlink/testkit';

/** Runs `fn` with MONGODB_URI's server, or an embedded one started (and stopped) for it. */
export async function withMongo<T>(fn: (mongo: MongoHandle) => Promise<T>): Promise<T> {
  const mongo = await startEmbeddedMongo();
  try {
    return await fn(mongo);
  } finally {
    await mongo.stop();
  }
}

/** A fresh database per target and run: small working sets, nothing shared between targets. */
export function freshDbName(label: string): string {
  return uniqueDbName(`bench_${label.replace(/[^a-z0-9]/gi, '_')}`);
}

export function databaseLabel(mongo: MongoHandle): string {
  return mongo.external ? 'MongoDB from MONGODB_URI' : 'embedded jongodb';
}
