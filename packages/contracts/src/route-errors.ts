import { ERROR_CODES, type ErrorCode } from './errors';
import type { ApiRoute } from './http';

/**
 * Codes any mini-program route can answer, whatever it does: the rate limiter, a dependency
 * the operator must fix (database down, wrong AppSecret), and an unexpected fault.
 */
export const EVERY_ROUTE_ERRORS = Object.freeze([
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const satisfies readonly ErrorCode[]);

/**
 * Codes of the bearer check on every authenticated route: a missing, unknown, expired or
 * revoked token, and a user an operator has blocked.
 */
export const AUTH_ROUTE_ERRORS = Object.freeze([
  'SESSION_INVALID',
  'ACCOUNT_BLOCKED',
] as const satisfies readonly ErrorCode[]);

/** Codes of any route that reads a body (JSON or multipart): malformed or oversized. */
export const BODY_ROUTE_ERRORS = Object.freeze([
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
] as const satisfies readonly ErrorCode[]);

/** True for routes that read a request body: JSON ones, and the multipart avatar upload. */
export function routeTakesBody(route: Pick<ApiRoute, 'method' | 'request'>): boolean {
  return route.request !== null || route.method === 'POST' || route.method === 'PUT';
}

/**
 * Every error code a route can answer: its own (`route.errors`) plus the ones implied by
 * authentication, a body, and being a route at all. In `ERROR_CODES` order, without repeats,
 * so generated documentation is stable.
 */
export function routeErrorCodes(
  route: Pick<ApiRoute, 'method' | 'request' | 'auth' | 'errors'>,
): ErrorCode[] {
  const codes = new Set<ErrorCode>([...route.errors, ...EVERY_ROUTE_ERRORS]);
  if (route.auth) for (const code of AUTH_ROUTE_ERRORS) codes.add(code);
  if (routeTakesBody(route)) for (const code of BODY_ROUTE_ERRORS) codes.add(code);
  return ERROR_CODES.filter((code) => codes.has(code));
}
