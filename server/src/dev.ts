/**
 * `npm run dev`: embedded MongoDB + WeChat sandbox + server, with demo
 * credentials, so the whole flow runs on a laptop with no WeChat account.
 */
import { startEmbeddedMongo } from '@wxlink/testkit';
import { startSandbox } from '@wxlink/wechat-sandbox';
import { loadConfig } from './config';
import { ensureDemoUser, nextSteps } from './dev-demo';
import { createLogger } from './platform/logger';
import { startServer } from './runtime';
import { createSignalHandler } from './platform/shutdown-signals';

/** Demo credentials shared by the sandbox and the server. Not secrets: local test gear only. */
export const DEMO = {
  miniProgram: { appid: 'wxdemominiprogram01', secret: 'demominiprogramsecret0000000000' },
  officialAccount: {
    appid: 'wxdemoofficialacct1',
    secret: 'demoofficialaccountsecret000000',
    token: 'wxlinkdemotoken',
    encodingAesKey: 'wxlinkDemoEncodingAesKey0123456789abcdefghi',
  },
} as const;

function portFrom(name: string, def: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`configuration error: ${name} must be a port number\n`);
    process.exit(1);
  }
  return n;
}

async function main(): Promise<void> {
  // The MongoDB strictness guard (@wxlink/testkit) reports writes MongoDB would refuse.
  process.env.WXLINK_DB_GUARD ??= 'log';
  const port = portFrom('PORT', 3000);
  const sandboxPort = portFrom('SANDBOX_PORT', 4010);

  const mongo = await startEmbeddedMongo();
  const sandbox = await startSandbox({
    miniProgram: DEMO.miniProgram,
    officialAccount: DEMO.officialAccount,
    // DevTools' wx.login codes come from the real WeChat; the sandbox logs
    // any code it does not know in as one demo user.
    acceptUnknownLoginCodes: true,
    // DevTools' tourist mode (touristappid) answers every wx.login with the
    // same fixed string: it logs in the demo user every time.
    devToolsTouristMode: true,
    port: sandboxPort,
  });
  const config = loadConfig(
    {
      LOG_LEVEL: 'info',
      ...process.env,
      PORT: String(port),
      MONGODB_URI: mongo.uri,
      ...sandbox.serverEnv(),
    },
    'development',
  );
  const logger = createLogger(config);
  const server = await startServer({
    config,
    logger,
    dbName: 'wxlink_dev',
  });
  const eventsUrl = `${server.url}/wechat/official-account/events`;
  sandbox.setPushTarget({ url: eventsUrl, mode: 'safe' });
  const demoUser = await ensureDemoUser(sandbox);

  const lines = [
    '',
    'wxlink dev environment is up (embedded database: NOTHING PERSISTS)',
    '',
    `  server          ${server.url}   (API under /api/v1, metrics at /metrics)`,
    `  wechat sandbox  ${sandbox.url}   (stands in for api.weixin.qq.com)`,
    `  event pushes    sandbox → ${eventsUrl} (safe mode)`,
    `  database        ${mongo.external ? 'MONGODB_URI' : 'embedded, in memory'}`,
    '',
    ...nextSteps({ sandboxUrl: sandbox.url, port, demoUserId: demoUser.id }),
    '',
    'Ctrl+C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));

  // As in main.ts: a repeated signal within 3 s is ignored, a later one forces the exit.
  const stop = createSignalHandler({
    now: Date.now,
    onShutdown: () => {
      void (async () => {
        await server.close();
        await sandbox.close();
        await mongo.stop();
        process.exit(0);
      })();
    },
    onIgnored: () => undefined,
    onForce: () => process.exit(1),
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `dev environment failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
