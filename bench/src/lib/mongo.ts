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

/**
 * Which database a run uses, for its heading: the embedded server, or the
 * MONGODB_URI server's hosts (credentials and options left out).
 */
export function describeDatabase(env: NodeJS.ProcessEnv): string {
  const uri = env.MONGODB_URI?.trim();
  if (!uri) return 'embedded jongodb (@wxlink/testkit), started per benchmark';
  const hosts = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri)?.[1] ?? 'unparsable URI';
  return `MongoDB from MONGODB_URI (${hosts})`;
}

export function databaseLabel(mongo: MongoHandle): string {
  return mongo.external ? 'MongoDB from MONGODB_URI' : 'embedded jongodb';
}
