/**
 * The real stack the contract tests run against: embedded MongoDB
 * (@wxlink/testkit), the WeChat sandbox and the real server app, all on
 * 127.0.0.1 with ephemeral ports. Started once by global-setup (plain Node);
 * test files reach it through the URLs in the environment.
 */
import { startEmbeddedMongo, uniqueDbName } from '@wxlink/testkit';
import type { MongoHandle } from '@wxlink/testkit';
import { startSandbox } from '@wxlink/wechat-sandbox';
import type { Sandbox } from '@wxlink/wechat-sandbox';
import type { RunningServer } from '@wxlink/server';
import { startServerForTests } from '@wxlink/server/testing';

/** Where the sandbox pushes official-account events (docs/api.md). */
export const EVENTS_PATH = '/wechat/official-account/events';

export interface Stack {
  mongo: MongoHandle;
  sandbox: Sandbox;
  server: RunningServer;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const mongo = await startEmbeddedMongo();
  // As `npm run dev`: DevTools' tourist-mode code logs in the demo user every time.
  const sandbox = await startSandbox({ devToolsTouristMode: true });
  try {
    const { running: server } = await startServerForTests({
      env: { MONGODB_URI: mongo.uri, ...sandbox.serverEnv() },
      dbName: uniqueDbName('miniprogram'),
    });
    sandbox.setPushTarget({ url: server.url + EVENTS_PATH, mode: 'safe' });
    return {
      mongo,
      sandbox,
      server,
      close: async () => {
        await server.close();
        await sandbox.close();
        await mongo.stop();
      },
    };
  } catch (err) {
    await sandbox.close();
    await mongo.stop();
    throw err;
  }
}
