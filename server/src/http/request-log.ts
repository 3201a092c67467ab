import type { RequestHandler } from 'express';
import type { Level, Logger } from 'pino';
import { requestContext } from '../platform/logger';
import { requestIdOf } from './request-id';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id (X-Request-Id), set by requestLog before anything else runs. */
    id: string;
  }
}

/** 5xx and aborted answers are errors, 4xx are worth a look, 2xx/3xx only when debugging. */
function levelOf(statusCode: number): Level {
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'info';
  return 'debug';
}

/**
 * The first middleware: gives the request its id (echoed as X-Request-Id),
 * runs everything after it inside the request context (platform/logger.ts:
 * every log line written meanwhile carries the id) and writes one line when
 * the answer is finished, `{req: {id, method, path}, res: {statusCode},
 * responseTime}`, only the path: query strings carry WeChat signatures,
 * codes and openids.
 *
 * Written here rather than with pino-http, which builds a redacting child
 * logger for every request: that was 0.6 ms of CPU per push on the intake
 * benchmark (bench/README.md) although 2xx lines are at `debug` and the
 * default level never writes them. Here a line whose level is off costs one
 * comparison, and the context already tags lines with the id.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestIdOf(req);
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const startedAt = performance.now();
    const write = (level: Level, msg: string): void => {
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          req: { id, method: req.method, path: req.originalUrl.split('?')[0] },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - startedAt),
        },
        msg,
      );
    };
    res.once('close', () => {
      // 'close' without a finished answer: the client left, or the server
      // dropped the connection on purpose (an unanswered push).
      if (res.writableFinished) write(levelOf(res.statusCode), 'request completed');
      else write('info', 'request aborted');
    });
    requestContext.run({ requestId: id }, next);
  };
}
