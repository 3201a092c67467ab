/**
 * `npm run dev`: embedded MongoDB + WeChat sandbox + server, with demo
 * credentials, so the whole flow runs on a laptop with no WeChat account.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** With DEV_OFFICIAL_ACCOUNTS=2: a subscription account beside the service account. */
  secondOfficialAccount: {
    appid: 'wxdemosubscription2',
    secret: 'demosubscriptionsecret000000000',
    token: 'wxlinkdemotoken2',
    encodingAesKey: 'wxlinkDemoSecondAesKey0123456789abcdefghijk',
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

/**
 * DEV_OFFICIAL_ACCOUNTS=2 starts the sandbox with a second official account
 * (a brand's service account and subscription account) and the server with
 * OFFICIAL_ACCOUNTS_FILE listing both, as a real multi-account deployment.
 */
function accountCount(): number {
  const raw = process.env.DEV_OFFICIAL_ACCOUNTS ?? '1';
  if (raw !== '1' && raw !== '2') {
    process.stderr.write('configuration error: DEV_OFFICIAL_ACCOUNTS must be 1 or 2\n');
    process.exit(1);
  }
  return Number(raw);
}

/** The server's account configuration for a sandbox: its env, or a file listing every account. */
function accountsEnv(sandbox: Awaited<ReturnType<typeof startSandbox>>, count: number) {
  const env = sandbox.serverEnv();
  if (count === 1) return env;
  const file = join(mkdtempSync(join(tmpdir(), 'wxlink-dev-')), 'official-accounts.json');
  writeFileSync(file, JSON.stringify(sandbox.officialAccountsFile(), null, 2));
  const single = Object.fromEntries(
    Object.keys(env)
      .filter((k) => k.startsWith('OFFICIAL_ACCOUNT_'))
      .map((k) => [k, '']),
  );
  return { ...env, ...single, OFFICIAL_ACCOUNTS_FILE: file };
}

/**
 * Starts database, sandbox and server, prints where they are and what to do
 * next, and stops all three on a signal. A straight-line script of ~80 lines:
 * split, its order (what must run before what) would be harder to read.
 */
async function main(): Promise<void> {
  const accounts = accountCount();
  // The MongoDB strictness guard (@wxlink/testkit) reports writes MongoDB would refuse.
  process.env.WXLINK_DB_GUARD ??= 'log';
  const port = portFrom('PORT', 3000);
  const sandboxPort = portFrom('SANDBOX_PORT', 4010);

  const mongo = await startEmbeddedMongo();
  const sandbox = await startSandbox({
    miniProgram: DEMO.miniProgram,
    ...(accounts === 1
      ? { officialAccount: DEMO.officialAccount }
      : { officialAccounts: [DEMO.officialAccount, DEMO.secondOfficialAccount] }),
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
      ...accountsEnv(sandbox, accounts),
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
  for (const account of config.officialAccounts) {
    const url = `${server.url}/wechat/official-account/${account.appid}/events`;
    sandbox.setPushTarget({ url, mode: 'safe' }, account.appid);
  }
  const demoUser = await ensureDemoUser(sandbox);

  const lines = [
    '',
    'wxlink dev environment is up (embedded database: NOTHING PERSISTS)',
    '',
    `  server          ${server.url}   (API under /api/v1, metrics at /metrics)`,
    `  wechat sandbox  ${sandbox.url}   (stands in for api.weixin.qq.com)`,
    `  event pushes    sandbox → ${eventsUrl} (safe mode)`,
    ...(accounts > 1
      ? [
          `  accounts        ${config.officialAccounts.map((a) => a.appid).join(', ')} (OFFICIAL_ACCOUNTS_FILE)`,
        ]
      : []),
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
