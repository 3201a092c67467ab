import { DEFAULT_MAX_XML_BYTES } from '@wxlink/contracts/node';
import { ERROR_STATUS } from '@wxlink/contracts';
import type { Router } from 'express';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { OfficialAccountConfig } from '../../config';
import type { AppDeps } from '../../deps';
import { logRequestError, mapError } from '../../http/errors';
import { hasErrorCode } from '../../platform/errors';
import { inboxWriteTimeoutMs, openPush, storePush, verifyUrl } from './intake';
import { exactRouter } from '../../http/router';
import type { LegacyBindings } from './legacy-bindings';

/** Largest push accepted: the XML parser's own cap (one number for both). */
const PUSH_BODY_LIMIT = DEFAULT_MAX_XML_BYTES;

/**
 * One official account's push URL: `GET /events` (URL verification when the
 * URL is saved in the console) and `POST /events` (pushes). HTTP only; the
 * work is in intake.ts.
 *
 * Every answer here is plain text, never JSON: WeChat shows followers
 * "该公众号暂时无法提供服务" for a malformed answer. A push that cannot be
 * stored gets no answer at all (see holdUntilDeadline).
 */
export function createPushRouter(
  deps: AppDeps,
  account: OfficialAccountConfig,
  legacyBindings: LegacyBindings,
): Router {
  const router = exactRouter();

  router.get('/events', (req, res) => {
    const echostr = verifyUrl(account, req.query);
    res.type('text/plain').send(echostr);
  });

  router.post(
    '/events',
    // The raw XML as text, whatever Content-Type WeChat sends; only on this route.
    express.text({ type: () => true, limit: PUSH_BODY_LIMIT }),
    async (req, res) => {
      const receivedAt = Date.now();
      const body = typeof req.body === 'string' ? req.body : '';
      const opened = openPush(account, req.query, body, {
        now: deps.clock.now(),
        maxAgeSeconds: deps.config.pushMaxAgeSeconds,
      });
      if (opened.keyIndex !== null && opened.keyIndex > 0) {
        deps.logger.info(
          { appid: account.appid },
          'push opened with the previous EncodingAESKey (rotation in progress)',
        );
      }
      try {
        // One database budget, inside WeChat's deadline.
        const budgetEnd = receivedAt + inboxWriteTimeoutMs(deps.config.pushAnswerDeadlineMs);
        const remaining = () => Math.max(1, budgetEnd - Date.now());
        if (opened.binding !== null) await legacyBindings.check(opened.binding, remaining());
        await storePush(deps, account.appid, opened, remaining());
      } catch (err) {
        if (!hasErrorCode(err, 'SERVICE_UNAVAILABLE')) throw err;
        holdUntilDeadline(req, res, receivedAt + deps.config.pushAnswerDeadlineMs, deps.logger);
        return;
      }
      answerSuccess(res);
    },
  );
  router.use(plainTextErrors(deps.logger));
  return router;
}

/**
 * The acknowledgement WeChat expects ("success", or an empty body), written
 * with the headers res.send would set but without its ETag and content
 * negotiation: it is the same 7 bytes for every push, and this route's CPU
 * is benchmarked against the peers (bench/README.md).
 */
function answerSuccess(res: Response): void {
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(SUCCESS.length),
  });
  res.end(SUCCESS);
}

const SUCCESS = 'success';

/**
 * WeChat's documented retry: "微信服务器在五秒内收不到响应会断掉连接，并且重新发起
 * 请求，总共重试三次". It promises nothing for a 5xx. So a push we could not
 * store is not answered: the connection is closed once WeChat's deadline has
 * passed, WeChat retries, and nothing is lost.
 */
function holdUntilDeadline(req: Request, res: Response, deadline: number, logger: Logger): void {
  logger.warn('push could not be stored; no answer, so WeChat retries after its deadline');
  const timer = setTimeout(() => req.socket.destroy(), Math.max(0, deadline - Date.now()));
  res.on('close', () => clearTimeout(timer));
}

/**
 * Refusals on the push route as short plain text. The sender is not
 * authenticated yet (or is not WeChat), so the message says what kind of
 * refusal it is and nothing about what the parser found.
 */
function plainTextErrors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const mapped = mapError(err);
    logRequestError(logger, err, req, mapped.code);
    if (res.headersSent) return;
    res
      .status(ERROR_STATUS[mapped.code])
      .type('text/plain')
      .send(PLAIN_ANSWERS[mapped.code] ?? 'error');
  };
}

const PLAIN_ANSWERS: Partial<Record<keyof typeof ERROR_STATUS, string>> = {
  PUSH_SIGNATURE_INVALID: 'invalid signature',
  PUSH_REJECTED: 'rejected',
  PAYLOAD_TOO_LARGE: 'too large',
  VALIDATION_FAILED: 'rejected',
};
