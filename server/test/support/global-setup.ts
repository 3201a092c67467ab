import { startEmbeddedMongo } from '@wxlink/testkit';

/**
 * One database server for the whole run (each test file uses its own database
 * name). Honours MONGODB_URI, so the same suite runs against real MongoDB.
 * Runs in plain Node before the workers start; they inherit the variable.
 */
export default async function globalSetup(): Promise<void> {
  const handle = await startEmbeddedMongo();
  process.env.WXLINK_TEST_MONGODB_URI = handle.uri;
  (globalThis as { __wxlinkMongo?: typeof handle }).__wxlinkMongo = handle;
}
