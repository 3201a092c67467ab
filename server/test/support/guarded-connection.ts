import {
  attachMongoGuard,
  mongoGuardClientOptions,
  mongoGuardMode,
  uniqueDbName,
} from '@wxlink/testkit';
import mongoose from 'mongoose';
import { createModels, initModels, type Models } from '../../src/models';

/**
 * A mongoose connection of a test's own (outside the server's wiring), with
 * the MongoDB strictness guard attached like the server's: a write MongoDB
 * would refuse fails here too, on the embedded database and on MONGODB_URI.
 */
export function guardedConnection(uri: string, dbName: string): mongoose.Connection {
  const mode = mongoGuardMode(process.env);
  const conn = mongoose.createConnection(uri, {
    dbName,
    autoCreate: false,
    ...mongoGuardClientOptions(mode),
  });
  attachMongoGuard(conn.getClient(), { mode });
  return conn;
}

/**
 * A guarded connection to a fresh test database (`label` names it) with every
 * model registered and its indexes built: for tests that drive a feature's
 * functions without a server.
 */
export async function connectModels(
  label: string,
): Promise<{ conn: mongoose.Connection; models: Models }> {
  const conn = guardedConnection(process.env.WXLINK_TEST_MONGODB_URI!, uniqueDbName(label));
  await conn.asPromise();
  const models = createModels(conn);
  await initModels(models);
  return { conn, models };
}
