import type { AppDeps } from '../deps';
import { fail, pass, type CheckResult } from './report';

/** An index as a comparable key: its fields in order, and whether it is unique. */
interface IndexShape {
  readonly keys: string;
  readonly unique: boolean;
}

interface IndexedModel {
  readonly modelName: string;
  readonly collection: { readonly collectionName: string; indexes(): Promise<unknown> };
  readonly schema: { indexes(): [Record<string, unknown>, Record<string, unknown>?][] };
}

function describeKeys(keys: Record<string, unknown>): string {
  return Object.entries(keys)
    .map(([field, dir]) => `${field}:${String(dir)}`)
    .join(',');
}

/** The indexes a model declares (path-level `index`/`unique` and schema.index()). */
export function declaredIndexes(model: IndexedModel): IndexShape[] {
  return model.schema.indexes().map(([keys, options]) => ({
    keys: describeKeys(keys),
    unique: options?.unique === true,
  }));
}

/**
 * The indexes the collection has, by listIndexes (collection.indexes()): the
 * embedded test database has no listCollections, and this works on both. A
 * collection that does not exist has none.
 */
async function existingIndexes(model: IndexedModel): Promise<IndexShape[]> {
  let list: unknown;
  try {
    list = await model.collection.indexes();
  } catch (err) {
    if ((err as { code?: unknown }).code === 26) return []; // NamespaceNotFound
    throw err;
  }
  return (list as { key: Record<string, unknown>; unique?: boolean }[]).map((ix) => ({
    keys: describeKeys(ix.key),
    unique: ix.unique === true,
  }));
}

/** The declared indexes of one model that the database lacks (or has without `unique`). */
export async function missingIndexes(model: IndexedModel): Promise<string[]> {
  const existing = await existingIndexes(model);
  return declaredIndexes(model)
    .filter((want) => !existing.some((ix) => ix.keys === want.keys && ix.unique === want.unique))
    .map(
      (want) => `${model.collection.collectionName} {${want.keys}}${want.unique ? ' unique' : ''}`,
    );
}

/**
 * The database answers a ping, and every index the models declare exists:
 * the invariants (one user per openid, deduplicated pushes, one token record
 * per appid) rest on the unique ones.
 */
export async function checkDatabase(deps: Pick<AppDeps, 'db' | 'models'>): Promise<CheckResult[]> {
  const reachable = 'database reachable';
  try {
    await deps.db.db?.admin().ping();
  } catch (err) {
    return [fail(reachable, `${(err as Error).message}: start MongoDB or fix MONGODB_URI`)];
  }
  const models = Object.values(deps.models) as unknown as IndexedModel[];
  const missing = (await Promise.all(models.map(missingIndexes))).flat();
  const indexes = 'database indexes';
  return [
    pass(reachable),
    missing.length === 0
      ? pass(indexes, `${models.length} collections checked`)
      : fail(
          indexes,
          `missing ${missing.join('; ')}: start the server once (it builds them) or create them by hand; a unique index fails to build while duplicates exist`,
        ),
  ];
}
