import type { Connection } from 'mongoose';

/**
 * Every mongoose model of the server, bound to one connection. Collections are
 * never auto-created (`autoCreate: false`); `initModels` builds the indexes
 * the invariants rely on (unique openid, unique dedup key, ...).
 *
 * Each model lives in its own file exporting `defineXModel(conn)`; add new
 * ones here.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Models {}

export function createModels(_conn: Connection): Models {
  return {};
}

export async function initModels(models: Models): Promise<void> {
  await Promise.all(
    Object.values(models as Record<string, { init(): Promise<unknown> }>).map((m) => m.init()),
  );
}
