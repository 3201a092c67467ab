import { SandboxError } from './errors';

/**
 * What createUser accepts, and the checks that keep a bad option from
 * creating half a user: everything is validated before anything is stored.
 */

/** createUser's options; every one is optional. */
export interface CreateUserOptions {
  /** Default: generated. `null`: the user is not bound to the open platform. */
  unionid?: string | null;
  nickName?: string;
  avatarUrl?: string;
  /** 0 unknown, 1 male, 2 female (getUserInfo's convention). */
  gender?: 0 | 1 | 2;
  /** Pure phone number (digits). Default: a generated 138xxxxxxxx number. */
  phone?: string;
  /** Default `86`. */
  countryCode?: string;
  /**
   * Already follows: `true` the primary official account, or the appids of
   * the accounts followed. Default: none.
   */
  following?: boolean | string[];
  /** subscribe_time (unix seconds) of each followed account; default now. */
  subscribeTime?: number;
  /** QR scene the user followed through, if any. */
  scene?: string;
  /** A high-risk user: code2Session answers 40226. */
  blocked?: boolean;
}

/** A QR scene value (without the `qrscene_` prefix), as createUser and follow accept it. */
export function checkScene(scene: string): void {
  if (!/^[A-Za-z0-9_\-.]{1,64}$/.test(scene)) {
    throw new SandboxError('INVALID_OPTION', 'scene must be 1-64 characters [A-Za-z0-9_-.]');
  }
}

/** Checks a gender option: 0 unknown, 1 male, 2 female (getUserInfo's convention) or absent. */
export function checkGender(gender: unknown): asserts gender is 0 | 1 | 2 | undefined {
  if (gender !== undefined && gender !== 0 && gender !== 1 && gender !== 2) {
    throw new SandboxError('INVALID_OPTION', 'gender must be 0, 1 or 2');
  }
}

/** Checks a `following` option: a boolean, a list of official-account appids, or absent. */
export function checkFollowing(v: unknown): asserts v is boolean | string[] | undefined {
  const ok =
    v === undefined ||
    typeof v === 'boolean' ||
    (Array.isArray(v) && v.every((a) => typeof a === 'string'));
  if (!ok) {
    throw new SandboxError(
      'INVALID_OPTION',
      'following must be a boolean or a list of official-account appids',
    );
  }
}

/** Validates createUser's options; throws INVALID_OPTION naming the first bad one. */
export function checkUserOptions(opts: CreateUserOptions): void {
  const bad = (msg: string): never => {
    throw new SandboxError('INVALID_OPTION', msg);
  };
  if (opts.unionid !== undefined && opts.unionid !== null) {
    if (typeof opts.unionid !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(opts.unionid)) {
      bad('unionid must be 1-64 characters [A-Za-z0-9_-] or null');
    }
  }
  if (
    opts.nickName !== undefined &&
    (typeof opts.nickName !== 'string' || opts.nickName.length > 64)
  ) {
    bad('nickName must be a string of at most 64 characters');
  }
  if (opts.avatarUrl !== undefined && typeof opts.avatarUrl !== 'string') {
    bad('avatarUrl must be a string');
  }
  checkGender(opts.gender);
  if (opts.phone !== undefined && !/^\d{5,20}$/.test(String(opts.phone))) {
    bad('phone must be 5-20 digits');
  }
  if (opts.countryCode !== undefined && !/^\d{1,4}$/.test(String(opts.countryCode))) {
    bad('countryCode must be 1-4 digits');
  }
  if (
    opts.subscribeTime !== undefined &&
    (!Number.isInteger(opts.subscribeTime) || opts.subscribeTime < 0)
  ) {
    bad('subscribeTime must be a non-negative integer (unix seconds)');
  }
  if (opts.scene !== undefined) checkScene(String(opts.scene));
  checkFollowing(opts.following);
}

/** The appids `opts.following` names: the primary for `true`. */
export function followedAppids(opts: CreateUserOptions, primary: string): string[] {
  if (opts.following === true) return [primary];
  if (Array.isArray(opts.following)) return opts.following;
  return [];
}
