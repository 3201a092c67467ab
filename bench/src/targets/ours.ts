/**
 * Our server, assembled with the runtime's own wiring (composeDeps: config,
 * models, metrics, logger, WeChat client) and createApp, but without
 * the background workers: the benchmarks measure the request path, and the
 * inbox processor would otherwise add the (asynchronous) follower linkage
 * work, including user/info calls, to the intake figures.
 */
import {
  createApp,
  composeDeps,
  loadConfig,
  createLogger,
  syncFollowers,
  type AppDeps,
} from '@wxlink/server';
import { MP_APPID, OA_AES_KEY, OA_APPID, OA_TOKEN } from '../fixtures/wechat';
import { listen } from './common';

export interface OursOptions {
  uri: string;
  dbName: string;
  /** Base URL of the sandbox (login); pushes need none. */
  wechatApiBase?: string;
  miniProgramSecret?: string;
  /** OFFICIAL_ACCOUNT_ENCRYPT_MODE; default compat (takes plaintext and safe-mode pushes). */
  encryptMode?: 'plain' | 'safe' | 'compat';
  /** TRUST_PROXY=loopback: X-Forwarded-For from the load generator names the client. */
  trustProxy?: boolean;
}

export interface OursRunning {
  url: string;
  deps: AppDeps;
  close(): Promise<void>;
}

/** The environment a deployment would set, pointed at the bench fixtures. */
export function oursEnv(options: OursOptions): NodeJS.ProcessEnv {
  return {
    MONGODB_URI: options.uri,
    MINIPROGRAM_APPID: MP_APPID,
    MINIPROGRAM_SECRET: options.miniProgramSecret ?? 'bench-mp-secret',
    OFFICIAL_ACCOUNT_APPID: OA_APPID,
    OFFICIAL_ACCOUNT_SECRET: 'bench-oa-secret',
    OFFICIAL_ACCOUNT_TOKEN: OA_TOKEN,
    OFFICIAL_ACCOUNT_AES_KEY: OA_AES_KEY,
    // compat unless told: the same instance takes the plaintext and the safe-mode pushes.
    OFFICIAL_ACCOUNT_ENCRYPT_MODE: options.encryptMode ?? 'compat',
    WECHAT_API_BASE: options.wechatApiBase ?? 'http://127.0.0.1:9',
    // Per-IP login limit out of the way: in one run all load comes from 127.0.0.1.
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    ...(options.trustProxy ? { TRUST_PROXY: 'loopback' } : {}),
    LOG_LEVEL: 'warn',
  };
}

export async function startOurs(options: OursOptions): Promise<OursRunning> {
  const config = loadConfig(oursEnv(options), 'production');
  const deps = await composeDeps({
    config: { ...config, mongodbUri: options.uri },
    logger: createLogger(config),
    dbName: options.dbName,
  });
  if (options.wechatApiBase !== undefined) {
    // The state every deployed server is in once its background import has run
    // at start: the follower list imported once. Without it every status is
    // `unknown` and each login re-reads the import cursor to find that out.
    const imported = await syncFollowers(deps);
    if (imported.status !== 'completed') throw new Error(`follower import: ${imported.status}`);
  }
  const server = await listen(createApp(deps));
  return {
    url: server.url,
    deps,
    close: async () => {
      await server.close();
      await deps.db.close();
    },
  };
}
