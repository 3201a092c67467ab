import express, { Router } from 'express';
import type { AppDeps } from '../deps';
import { openPush, storePush, verifyUrl } from './push/intake';
import { createOAuthRouter } from './oauth/routes';

/** Largest push accepted; WeChat's pushes are a few KiB. Matches the XML parser's cap. */
const PUSH_BODY_LIMIT = '64kb';

/**
 * WeChat-facing routes under /wechat/official-account: event intake and web
 * OAuth. HTTP only; the work is in services/event-intake.ts and services/oauth.ts.
 */
export function createOfficialAccountRouter(deps: AppDeps): Router {
  const router = Router();
  const oa = deps.config.officialAccount;

  // URL verification when the push URL is saved in the official-account console.
  router.get('/events', (req, res) => {
    const echostr = verifyUrl(oa, req.query);
    res.type('text/plain').send(echostr);
  });

  router.post(
    '/events',
    // The raw XML as text, whatever Content-Type WeChat sends; only on this route.
    express.text({ type: () => true, limit: PUSH_BODY_LIMIT }),
    async (req, res) => {
      const body = typeof req.body === 'string' ? req.body : '';
      const opened = openPush(oa, req.query, body);
      if (opened.keyIndex !== null && opened.keyIndex > 0) {
        deps.logger.info('push opened with the previous EncodingAESKey (rotation in progress)');
      }
      // Stored (or already stored) before we answer: a 5xx makes WeChat retry.
      await storePush(deps, opened.message);
      res.type('text/plain').send('success');
    },
  );

  router.use(createOAuthRouter(deps));
  return router;
}
