import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { AppError } from '../platform/errors';
import { jsonBody } from './json-body';

/**
 * Validates an untrusted value against a contracts schema before anything else
 * touches it. The message names the first offending field but never echoes
 * its value.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new AppError('VALIDATION_FAILED', `${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/**
 * Middleware form of parseOrThrow for JSON bodies: runs before anything that
 * touches the database (rate-limit counters, the session lookup), so a
 * malformed request costs one schema check and writes nothing. The parsed
 * value replaces req.body; handlers read it as the route's contracts type.
 */
export function validateBody(schema: z.ZodType): RequestHandler {
  return (req, _res, next) => {
    req.body = parseOrThrow(schema, req.body);
    next();
  };
}

/**
 * The front of every JSON route: the size-capped parser, then validateBody
 * with the route's contracts schema. Mount it ahead of auth and rate limits.
 */
export function jsonRequest(schema: z.ZodType): RequestHandler[] {
  return [jsonBody(), validateBody(schema)];
}
