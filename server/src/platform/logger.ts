import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import pino, { type Logger } from 'pino';
import type { Config } from '../config';

/**
 * The request being served, for log lines written deep inside services and
 * the WeChat client (which only see the root logger): pino's mixin adds its
 * id to every line written while the request is handled.
 */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/**
 * Enters the request context again. http/request-log.ts enters it first;
 * mounted again after each body parser: stream callbacks (body-parser,
 * multer) resume outside it.
 */
export const bindRequestContext: RequestHandler = (req, _res, next) => {
  requestContext.run({ requestId: req.id }, next);
};

/**
 * Paths pino blanks out wherever they appear. session_key, tokens and secrets
 * must never reach a log line, even when a whole object is logged by mistake.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.session_key',
  '*.sessionKey',
  '*.sessionKeys',
  '*.secret',
  '*.access_token',
  '*.accessToken',
  '*.token',
  '*.encryptedData',
  '*.iv',
  '*.code',
  '*.js_code',
  '*.openid',
  '*.unionid',
  'session_key',
  'sessionKey',
  'sessionKeys',
  'secret',
  'access_token',
  'accessToken',
  'token',
];

export function createLogger(
  config: Pick<Config, 'logLevel'>,
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'wxlink-server' },
      mixin: () => {
        const ctx = requestContext.getStore();
        return ctx ? { requestId: ctx.requestId } : {};
      },
    },
    destination,
  );
}
