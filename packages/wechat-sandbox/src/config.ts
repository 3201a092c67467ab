import { SandboxError } from './errors';
import { newAppid, newEncodingAesKey, newSecret, randomToken } from './ids';
import type { PushTarget } from './pusher';

/** One official account the sandbox impersonates. Secrets included: local test gear. */
export interface OfficialAccountConfig {
  appid: string;
  secret: string;
  /** The push Token configured in the official account. */
  token: string;
  /** 43-char EncodingAESKey used for compat/safe pushes. */
  encodingAesKey: string;
  /** The account's original id (`gh_…`), sent as ToUserName. */
  originalId: string;
}

/** The apps the sandbox impersonates. */
export interface SandboxConfig {
  miniProgram: { appid: string; secret: string };
  /** The primary official account: the first of `officialAccounts`. */
  officialAccount: OfficialAccountConfig;
  /**
   * Every hosted official account, primary first. All belong to one Open
   * Platform account, so a user has one unionid across them.
   */
  officialAccounts: OfficialAccountConfig[];
}

/** An official account as callers describe it; missing fields are generated. */
export interface OfficialAccountInput {
  appid?: string;
  secret?: string;
  token?: string;
  encodingAesKey?: string;
  originalId?: string;
  /** Where (and in which encrypt mode) this account's pushes go from the start. */
  push?: PushTarget;
}

/** What `startSandbox` accepts about the apps (everything optional). */
export interface ConfigInput {
  miniProgram?: { appid: string; secret: string };
  /** The single (primary) official account. Exclusive with `officialAccounts`. */
  officialAccount?: OfficialAccountInput;
  /** Several official accounts, primary first (1..MAX_OFFICIAL_ACCOUNTS). */
  officialAccounts?: OfficialAccountInput[];
}

/** Upper bound on hosted official accounts (each costs an openid per user). */
export const MAX_OFFICIAL_ACCOUNTS = 20;

const APPID = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9]{3,32}$/; // the console's rule for the push Token
const AES_KEY = /^[A-Za-z0-9]{43}$/;

function check(ok: boolean, message: string): void {
  if (!ok) throw new SandboxError('INVALID_OPTION', message);
}

function resolveAccount(input: OfficialAccountInput, label: string): OfficialAccountConfig {
  const appid = input.appid ?? newAppid();
  const secret = input.secret ?? newSecret();
  const token = input.token ?? randomToken(12).replace(/[^A-Za-z0-9]/g, 'x');
  const encodingAesKey = input.encodingAesKey ?? newEncodingAesKey();
  check(typeof appid === 'string' && APPID.test(appid), `${label}.appid is invalid`);
  check(typeof secret === 'string' && secret.length > 0, `${label}.secret is required`);
  check(
    typeof token === 'string' && TOKEN.test(token),
    `${label}.token must be 3-32 letters or digits`,
  );
  check(
    typeof encodingAesKey === 'string' && AES_KEY.test(encodingAesKey),
    `${label}.encodingAesKey must be 43 letters or digits`,
  );
  const originalId = input.originalId ?? `gh_${newSecret().slice(0, 12)}`;
  return { appid, secret, token, encodingAesKey, originalId };
}

function accountInputs(input: ConfigInput): Array<[OfficialAccountInput, string]> {
  if (input.officialAccounts !== undefined) {
    check(
      input.officialAccount === undefined,
      'give officialAccount or officialAccounts, not both',
    );
    check(
      Array.isArray(input.officialAccounts) &&
        input.officialAccounts.length >= 1 &&
        input.officialAccounts.length <= MAX_OFFICIAL_ACCOUNTS,
      `officialAccounts must list 1..${MAX_OFFICIAL_ACCOUNTS} accounts`,
    );
    return input.officialAccounts.map((a, i) => [a ?? {}, `officialAccounts[${i}]`]);
  }
  return [[input.officialAccount ?? {}, 'officialAccount']];
}

/** Validates the apps and fills in generated credentials. */
export function resolveConfig(input: ConfigInput = {}): SandboxConfig {
  const mp = input.miniProgram ?? { appid: newAppid(), secret: newSecret() };
  check(typeof mp.appid === 'string' && APPID.test(mp.appid), 'miniProgram.appid is invalid');
  check(typeof mp.secret === 'string' && mp.secret.length > 0, 'miniProgram.secret is required');
  const accounts = accountInputs(input).map(([a, label]) => resolveAccount(a, label));
  const appids = new Set<string>([mp.appid]);
  for (const account of accounts) {
    check(
      !appids.has(account.appid),
      `appid ${account.appid} is used twice (every app needs its own appid)`,
    );
    appids.add(account.appid);
  }
  const [primary] = accounts;
  if (!primary) throw new SandboxError('INVALID_OPTION', 'no official account');
  return {
    miniProgram: { appid: mp.appid, secret: mp.secret },
    officialAccount: primary,
    officialAccounts: accounts,
  };
}
