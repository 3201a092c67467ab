import type { Logger } from 'pino';
import type { OfficialAccountConfig } from '../../config';

/**
 * Start-up warning, once per account, for push modes whose signature does not
 * cover the message: in `plain` and `compat` mode a plaintext push's
 * `signature` covers only token, timestamp and nonce. The server refuses old
 * timestamps and binds each signed query to the first body it came with, but
 * whoever sees a push on its way (an on-path proxy, a log read in real time)
 * can read it and race WeChat with another body.
 */
export function warnAboutPlaintextPushes(
  accounts: readonly Pick<OfficialAccountConfig, 'appid' | 'encryptMode'>[],
  logger: Logger,
): void {
  for (const account of accounts) {
    if (account.encryptMode === 'safe') continue;
    logger.warn(
      { appid: account.appid, encryptMode: account.encryptMode },
      `official account ${account.appid} accepts plaintext pushes (${account.encryptMode} mode): ` +
        'their signature does not cover the message, so whoever sees a push URL in transit or in ' +
        'a log within PUSH_MAX_AGE_SECONDS can try it with a forged body, and messages travel ' +
        'readable. Set an EncodingAESKey and choose safe mode (安全模式) in the console, and keep ' +
        'query strings out of proxy logs.',
    );
  }
}
