import type { Request } from 'express';

/** The token of an `Authorization: Bearer <token>` header, if that is what was sent. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match?.[1];
}

export const BEARER_REALM = 'wxlink';

/**
 * The RFC 6750 §3 challenge for a 401 SESSION_INVALID. Without a token the
 * challenge carries no error code (§3.1: the client simply did not
 * authenticate); with one it says `invalid_token` (expired, revoked or
 * unknown), which tells a generic client to log in again.
 */
export function bearerChallenge(req: Pick<Request, 'headers'>): string {
  const presented = bearerToken(req.headers.authorization) !== undefined;
  return presented
    ? `Bearer realm="${BEARER_REALM}", error="invalid_token"`
    : `Bearer realm="${BEARER_REALM}"`;
}
