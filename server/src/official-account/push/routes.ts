import express, { Router } from 'express';
import type { OfficialAccountConfig } from '../../config';
import type { AppDeps } from '../../deps';
import { openPush, storePush, verifyUrl } from './intake';

/** Largest push accepted; WeChat's pushes are a few KiB. Matches the XML parser's cap. */
const PUSH_BODY_LIMIT = '64kb';

/**
 * One official account's push URL: `GET /events` (URL verification when the
 * URL is saved in the console) and `POST /events` (pushes). HTTP only; the
 * work is in intake.ts.
 */
export function createPushRouter(deps: AppDeps, account: OfficialAccountConfig): Router {
  const router = Router();

  router.get('/events', (req, res) => {
    const echostr = verifyUrl(account, req.query);
    res.type('text/plain').send(echostr);
  });

  router.post(
    '/events',
    // The raw XML as text, whatever Content-Type WeChat sends; only on this route.
    express.text({ type: () => true, limit: PUSH_BODY_LIMIT }),
    async (req, res) => {
      const body = typeof req.body === 'string' ? req.body : '';
      const opened = openPush(account, req.query, body);
      if (opened.keyIndex !== null && opened.keyIndex > 0) {
        deps.logger.info(
          { appid: account.appid },
          'push opened with the previous EncodingAESKey (rotation in progress)',
        );
      }
      // Stored (or already stored) before we answer: a 5xx makes WeChat retry.
      await storePush(deps, account.appid, opened.message);
      res.type('text/plain').send('success');
    },
  );
  return router;
}
