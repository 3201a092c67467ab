import type { MongoHandle } from '@wxlink/testkit';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __wxlinkMongo?: MongoHandle }).__wxlinkMongo?.stop();
}
