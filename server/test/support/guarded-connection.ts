import { attachMongoGuard, mongoGuardClientOptions, mongoGuardMode } from '@wxlink/testkit';
import mongoose from 'mongoose';

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
