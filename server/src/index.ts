/**
 * The server's public entry (`@wxlink/server`): what another workspace, a
 * deployment script or a team's own code may build on. Everything else under
 * src/ is internal and may move.
 */
export { createApp } from './app';
export { composeDeps, cryptoRandom, systemClock, type ComposeOptions } from './compose';
export { ConfigError, loadConfig, type Config, type ConfigMode } from './config';
export type { AppDeps, Clock, Random } from './deps';
export type { Models } from './models';
export { createLogger } from './platform/logger';
export { startServer, type RunningServer, type StartServerOptions } from './runtime';
export {
  syncFollowers,
  type FollowerSyncOptions,
  type SyncResult,
} from './official-account/followers/import';
