import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Metrics } from './platform/metrics';
import type { Models } from './models';
import type { WechatApis } from './wechat/types';

/** Time source; injected so tests can move time without fake timers. */
export interface Clock {
  now(): Date;
}

/** Randomness source; injected so tests can pin tokens and nonces. Must be a CSPRNG in production. */
export interface Random {
  bytes(size: number): Buffer;
}

/** Everything a route or service needs from the outside world. Built by composeDeps (compose.ts). */
export interface AppDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly db: Connection;
  readonly models: Models;
  readonly wechat: WechatApis;
  readonly metrics: Metrics;
}
