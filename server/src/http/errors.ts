import { ERROR_STATUS, isErrorCode, type ErrorCode, type ErrorEnvelope } from '@wxlink/contracts';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import mongoose from 'mongoose';
import type { Logger } from 'pino';
import { bearerChallenge } from './bearer';
import { AppError } from '../platform/errors';

export function envelope(code: ErrorCode, message: string, requestId?: string): ErrorEnvelope {
  return { error: requestId ? { code, message, requestId } : { code, message } };
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(envelope('NOT_FOUND', `No route for ${req.method} ${req.path}`, req.id));
};

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
}

/**
 * The last middleware. Known errors keep their code; body-parser and multer
 * faults become 4xx; anything else is a 500 INTERNAL that reveals only the
 * request id (the detail goes to the log).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const requestId = req.id;
    const mapped = mapError(err);
    logRequestError(logger, err, req, mapped.code);
    if (res.headersSent) return;
    if (mapped.code === 'SESSION_INVALID') res.setHeader('WWW-Authenticate', bearerChallenge(req));
    res.status(ERROR_STATUS[mapped.code]).json(envelope(mapped.code, mapped.message, requestId));
  };
}

/** Faults go to the log with their detail; expected 4xx errors only at debug. */
export function logRequestError(logger: Logger, err: unknown, req: Request, code: ErrorCode): void {
  const requestId = req.id;
  if (code === 'INTERNAL') {
    const route = (req.route as { path?: string } | undefined)?.path;
    logger.error({ err, requestId, route }, 'unhandled error');
  } else {
    logger.debug({ code, requestId }, 'request failed');
  }
}

/** The code and client-safe message for any error a handler or parser raised. */
export function mapError(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof AppError) {
    // Internal codes (a bug or an operator fault escaping a request) reveal nothing.
    return isErrorCode(err.code)
      ? { code: err.code, message: err.message }
      : { code: 'INTERNAL', message: 'Internal error' };
  }
  if (isTransientDatabaseError(err)) {
    return { code: 'SERVICE_UNAVAILABLE', message: 'Database temporarily unavailable; retry' };
  }
  const e = (err ?? {}) as BodyParserError & { code?: string };
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE') {
    return { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' };
  }
  if (e.type === 'entity.parse.failed') {
    return { code: 'VALIDATION_FAILED', message: 'Request body is not valid JSON' };
  }
  if (typeof e.code === 'string' && e.code.startsWith('LIMIT_')) {
    return { code: 'VALIDATION_FAILED', message: 'Upload is not a single image file field' };
  }
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser: unsupported charset/encoding, aborted requests and the like.
    return { code: 'VALIDATION_FAILED', message: 'Request could not be read' };
  }
  return { code: 'INTERNAL', message: 'Internal error' };
}

/**
 * Database faults that say nothing about the request: the connection pool was
 * cleared (the driver's PoolClearedError is a MongoNetworkError), the network
 * dropped, no server could be selected in time. They
 * answer 503 so clients (and WeChat's push retries) try again, instead of a
 * 500 that reads like a bug.
 */
export function isTransientDatabaseError(err: unknown): boolean {
  const { mongo } = mongoose;
  if (
    err instanceof mongo.MongoNetworkError ||
    err instanceof mongo.MongoServerSelectionError ||
    err instanceof mongo.MongoNotConnectedError ||
    err instanceof mongoose.Error.MongooseServerSelectionError
  ) {
    return true;
  }
  if (err instanceof mongo.MongoError) {
    return (
      err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('TransientTransactionError')
    );
  }
  return false;
}
