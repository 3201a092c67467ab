import type { Request } from 'express';
import { SandboxError } from '../errors';
import { isPushMode, type PushMode } from '../pusher';
import { checkFollowing, checkGender, type CreateUserOptions } from '../user-options';

/**
 * Reading the control API's input: each field is checked for its type and
 * a wrong one rejects the whole request (400) before anything changes.
 */

/** A control request's JSON body (an empty object when it sent none or not an object). */
export type Body = Record<string, unknown>;

/** The request's body as an object; anything else reads as no fields. */
export function body(req: Request): Body {
  const b: unknown = req.body;
  return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {};
}

/** Rejects the request with 400 INVALID_OPTION. */
export function bad(message: string): never {
  throw new SandboxError('INVALID_OPTION', message);
}

/** An optional string field (null counts as absent). */
export function optString(b: Body, name: string): string | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') bad(`${name} must be a string`);
  return v;
}

/** An optional integer field (null counts as absent). */
export function optInt(b: Body, name: string): number | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(`${name} must be an integer`);
  return v;
}

/** An optional boolean field (null counts as absent). */
export function optBool(b: Body, name: string): boolean | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') bad(`${name} must be a boolean`);
  return v;
}

/** A non-negative integer query parameter up to `max`, or `fallback` when absent. */
export function queryInt(req: Request, name: string, fallback: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n > max) bad(`${name} must be an integer between 0 and ${max}`);
  return n;
}

function following(b: Body): boolean | string[] | undefined {
  const v = b.following;
  if (v === null) return undefined;
  checkFollowing(v);
  return v;
}

/** createUser's options from a POST /users body. */
export function userOptions(b: Body): CreateUserOptions {
  const unbound = optBool(b, 'unbound');
  const gender = optInt(b, 'gender');
  // Checked here, not left to createUser, so a bad gender is still the error named first.
  checkGender(gender);
  return {
    unionid: unbound ? null : b.unionid === null ? null : optString(b, 'unionid'),
    nickName: optString(b, 'nickName'),
    avatarUrl: optString(b, 'avatarUrl'),
    gender,
    phone: optString(b, 'phone'),
    countryCode: optString(b, 'countryCode'),
    following: following(b),
    subscribeTime: optInt(b, 'subscribeTime'),
    scene: optString(b, 'scene'),
    blocked: optBool(b, 'blocked'),
  };
}

/** A push mode field: plain, compat or safe; undefined when absent. */
export function pushMode(v: unknown): PushMode | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isPushMode(v)) return bad('mode must be plain, compat or safe');
  return v;
}
