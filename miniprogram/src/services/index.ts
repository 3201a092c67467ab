/**
 * The session kit's public surface. Pages use getClient(); tests and the
 * contract suite call configureClient() with their own `wx`.
 */
import { resolveApiBase } from '../config/index';
import { WxlinkClient } from './client';
import type { ClientOptions } from './client';

export { WxlinkClient, DEFAULT_TIMEOUT_MS, AVATAR_FIELD } from './client';
export type {
  ClientOptions,
  LogoutResult,
  ProfileAuthorizationResult,
  ProfileChanges,
} from './client';
export * from './errors';
export { SessionStore, STORAGE_KEYS, STORAGE_NAMESPACE } from './storage';
export type { StoredSession } from './storage';
export type { WxPort, WxUserInfoResult } from './wx-port';

let current: WxlinkClient | null = null;

/** Replaces the shared client (tests, or an app that wants another API base). */
export function configureClient(options: ClientOptions): WxlinkClient {
  current = new WxlinkClient(options);
  return current;
}

/** The shared client, created on first use from the real `wx` and src/config. */
export function getClient(): WxlinkClient {
  current ??= new WxlinkClient({ wx, apiBase: resolveApiBase(wx) });
  return current;
}
