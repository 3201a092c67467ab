import pino, { type Logger } from 'pino';
import type { Config } from './config';

/**
 * Paths pino blanks out wherever they appear. session_key, tokens and secrets
 * must never reach a log line, even when a whole object is logged by mistake.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.session_key',
  '*.sessionKey',
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
    },
    destination,
  );
}
