import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ERROR_STATUS } from '@wxlink/contracts';
import { envelope } from '../http/errors';
import { DeadlineWatch } from './deadline-watch';

/**
 * A deadline for answering an API request. A database that hangs (frozen,
 * partitioned, a failover in progress) holds every operation without failing
 * it: mongoose's `maxTimeMS` runs on the server and cannot help when the
 * server does not answer. So the answer itself is bounded: a request still
 * unanswered `deadlineMs` after its body arrived (up to an eighth later:
 * deadline-watch.ts, one timer for all requests) gets 503
 * SERVICE_UNAVAILABLE, and whatever its handler sends later is dropped.
 *
 * The clock starts once the body has been received, so a slow upload is
 * bounded by the server's request timeout, not by this deadline.
 */
export function requestDeadline(deadlineMs: number, logger: Logger): RequestHandler {
  const deadlines = new DeadlineWatch(deadlineMs);
  return (req, res, next) => {
    let stop = (): void => undefined;
    const arm = () => {
      if (res.writableEnded || res.headersSent) return;
      stop = deadlines.start(() => answerUnavailable(res, req.id, logger));
    };
    res.once('finish', () => stop());
    res.once('close', () => stop());
    if (hasBody(req.headers)) req.once('end', arm);
    else arm();
    next();
  };
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function answerUnavailable(res: Response, requestId: string, logger: Logger): void {
  if (res.headersSent) return;
  logger.error({ requestId }, 'request unanswered at its deadline (database hung?); 503 sent');
  res
    .status(ERROR_STATUS.SERVICE_UNAVAILABLE)
    .set('Retry-After', '5')
    .json(
      envelope('SERVICE_UNAVAILABLE', 'The service did not answer in time; retry later', requestId),
    );
  dropLateAnswer(res);
}

/**
 * The handler is still running and will try to answer: its headers, body and
 * end become no-ops instead of ERR_HTTP_HEADERS_SENT faults in the log.
 */
function dropLateAnswer(res: Response): void {
  const ignore = function (this: Response) {
    return this;
  };
  const target = res as unknown as Record<string, unknown>;
  for (const method of ['setHeader', 'writeHead', 'write', 'end', 'removeHeader']) {
    target[method] = ignore;
  }
}
