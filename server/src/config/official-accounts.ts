import { readFileSync } from 'node:fs';
import { HTTP_LIMITS } from '@wxlink/contracts';
import { parseEncodingAesKey } from '@wxlink/contracts/node';
import { z } from 'zod';

/** How pushes of an account are signed: plaintext, both, or encrypted only (safe). */
export type EncryptMode = 'plain' | 'compat' | 'safe';

/** One official account this deployment serves. */
export interface OfficialAccountConfig {
  readonly appid: string;
  readonly secret: string;
  /** The push Token configured in the account's console. */
  readonly token: string;
  /** Current EncodingAESKey first, then the previous one during a rotation. */
  readonly aesKeys: readonly string[];
  readonly encryptMode: EncryptMode;
  /** Shown to users who should follow it (optional). */
  readonly name?: string;
  /** A QR code image for following it where WeChat cannot show `<official-account>`. */
  readonly qrCodeUrl?: string;
}

/** The raw fields of one account, from OFFICIAL_ACCOUNT_* or one OFFICIAL_ACCOUNTS_FILE entry. */
interface AccountFields {
  appid?: string | undefined;
  secret?: string | undefined;
  token?: string | undefined;
  aesKey?: string | undefined;
  aesKeyPrevious?: string | undefined;
  encryptMode?: string | undefined;
  name?: string | undefined;
  qrCodeUrl?: string | undefined;
}

const ENV_NAMES: Readonly<Record<keyof AccountFields, string>> = {
  appid: 'OFFICIAL_ACCOUNT_APPID',
  secret: 'OFFICIAL_ACCOUNT_SECRET',
  token: 'OFFICIAL_ACCOUNT_TOKEN',
  aesKey: 'OFFICIAL_ACCOUNT_AES_KEY',
  aesKeyPrevious: 'OFFICIAL_ACCOUNT_AES_KEY_PREVIOUS',
  encryptMode: 'OFFICIAL_ACCOUNT_ENCRYPT_MODE',
  name: 'OFFICIAL_ACCOUNT_NAME',
  qrCodeUrl: 'OFFICIAL_ACCOUNT_QR_CODE_URL',
};

const APPID = /^[A-Za-z0-9_-]{1,64}$/;
// A push Token: 3 to 32 letters and digits (the console's rule).
const PUSH_TOKEN = /^[A-Za-z0-9]{3,32}$/;

/** One entry of OFFICIAL_ACCOUNTS_FILE: unknown keys are a mistake worth reporting. */
const FileEntrySchema = z.strictObject({
  appid: z.string(),
  secret: z.string(),
  token: z.string(),
  aesKey: z.string().optional(),
  aesKeyPrevious: z.string().optional(),
  encryptMode: z.string().optional(),
  name: z.string().optional(),
  qrCodeUrl: z.string().optional(),
});

/** Where an account's fields came from, for messages: `OFFICIAL_ACCOUNT_TOKEN` or `…[1].token`. */
type NameOf = (field: keyof AccountFields) => string;

/**
 * Checks one account's fields and reports each problem as one line naming
 * the variable (or file entry). Never echoes a value: it may be a secret.
 */
export function parseAccount(
  fields: AccountFields,
  nameOf: NameOf,
  requireCredentials: boolean,
  problems: string[],
): OfficialAccountConfig {
  const text = (field: keyof AccountFields): string => fields[field]?.trim() ?? '';
  for (const field of ['appid', 'secret', 'token'] as const) {
    if (text(field) === '' && requireCredentials) problems.push(`${nameOf(field)} is required`);
  }
  if (text('appid') !== '' && !APPID.test(text('appid'))) {
    problems.push(`${nameOf('appid')} must be letters, digits, _ or - (at most 64)`);
  }
  if (text('token') !== '' && !PUSH_TOKEN.test(text('token'))) {
    problems.push(`${nameOf('token')} must be 3 to 32 letters or digits`);
  }
  const aesKeys = parseAesKeys(text('aesKey'), text('aesKeyPrevious'), nameOf, problems);
  const encryptMode = parseEncryptMode(text('encryptMode'), aesKeys, nameOf, problems);
  const account: { -readonly [K in keyof OfficialAccountConfig]: OfficialAccountConfig[K] } = {
    appid: text('appid'),
    secret: text('secret'),
    token: text('token'),
    aesKeys,
    encryptMode,
  };
  const name = text('name');
  if (name !== '') {
    if ([...name].length > HTTP_LIMITS.accountNameMaxLength) {
      problems.push(
        `${nameOf('name')} must be at most ${HTTP_LIMITS.accountNameMaxLength} characters`,
      );
    }
    account.name = name;
  }
  const qrCodeUrl = text('qrCodeUrl');
  if (qrCodeUrl !== '') {
    if (!/^https?:\/\/[^\s]+$/.test(qrCodeUrl) || qrCodeUrl.length > HTTP_LIMITS.urlMaxLength) {
      problems.push(`${nameOf('qrCodeUrl')} must be an http(s) URL`);
    }
    account.qrCodeUrl = qrCodeUrl;
  }
  return account;
}

function parseAesKeys(
  current: string,
  previous: string,
  nameOf: NameOf,
  problems: string[],
): string[] {
  const keys: string[] = [];
  for (const [field, value] of [
    ['aesKey', current],
    ['aesKeyPrevious', previous],
  ] as const) {
    if (value === '') continue;
    // The same check the push decryption applies, so a key that starts is a key that works.
    try {
      parseEncodingAesKey(value);
      keys.push(value);
    } catch {
      problems.push(`${nameOf(field)} must be the 43-character EncodingAESKey`);
    }
  }
  if (previous !== '' && current === '') {
    problems.push(`${nameOf('aesKeyPrevious')} is set but ${nameOf('aesKey')} is not`);
  }
  return keys;
}

function parseEncryptMode(
  raw: string,
  aesKeys: readonly string[],
  nameOf: NameOf,
  problems: string[],
): EncryptMode {
  if (raw !== '' && raw !== 'plain' && raw !== 'compat' && raw !== 'safe') {
    problems.push(`${nameOf('encryptMode')} must be plain, compat or safe`);
    return 'plain';
  }
  const mode: EncryptMode = raw === '' ? (aesKeys.length > 0 ? 'safe' : 'plain') : raw;
  if (mode !== 'plain' && aesKeys.length === 0) {
    problems.push(`${nameOf('encryptMode')}=${mode} needs ${nameOf('aesKey')}`);
  }
  return mode;
}

/**
 * The official accounts of the deployment, from OFFICIAL_ACCOUNTS_FILE or
 * the OFFICIAL_ACCOUNT_* variables (exclusive). The first is the primary:
 * it answers the routes without `:appid` and `user.subscription`.
 */
export function loadOfficialAccounts(
  env: NodeJS.ProcessEnv,
  requireCredentials: boolean,
  problems: string[],
): OfficialAccountConfig[] {
  const file = env.OFFICIAL_ACCOUNTS_FILE?.trim();
  if (!file) {
    const fields = Object.fromEntries(
      Object.entries(ENV_NAMES).map(([field, name]) => [field, env[name]]),
    ) as AccountFields;
    return [parseAccount(fields, (f) => ENV_NAMES[f], requireCredentials, problems)];
  }
  const alsoSet = Object.values(ENV_NAMES).filter((name) => env[name]?.trim());
  if (alsoSet.length > 0) {
    problems.push(
      `OFFICIAL_ACCOUNTS_FILE and ${alsoSet.join(', ')} are both set: use one style, not both`,
    );
  }
  return loadAccountsFile(file, problems);
}

function loadAccountsFile(file: string, problems: string[]): OfficialAccountConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    const why = err instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    problems.push(`OFFICIAL_ACCOUNTS_FILE (${file}) ${why}`);
    return [];
  }
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > HTTP_LIMITS.officialAccountsMax) {
    problems.push(
      `OFFICIAL_ACCOUNTS_FILE must hold a JSON array of 1 to ${HTTP_LIMITS.officialAccountsMax} accounts`,
    );
    return [];
  }
  const accounts = raw.map((entry, i) => parseFileEntry(entry, i, problems));
  const seen = new Set<string>();
  accounts.forEach((account, i) => {
    if (account.appid !== '' && seen.has(account.appid)) {
      problems.push(`OFFICIAL_ACCOUNTS_FILE[${i}].appid repeats an earlier account's appid`);
    }
    seen.add(account.appid);
  });
  return accounts;
}

function parseFileEntry(entry: unknown, i: number, problems: string[]): OfficialAccountConfig {
  const nameOf: NameOf = (field) => `OFFICIAL_ACCOUNTS_FILE[${i}].${field}`;
  const parsed = FileEntrySchema.safeParse(entry);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        problems.push(`OFFICIAL_ACCOUNTS_FILE[${i}] has unknown fields: ${issue.keys.join(', ')}`);
      } else if (path === '') {
        problems.push(`OFFICIAL_ACCOUNTS_FILE[${i}] must be an object`);
      } else {
        const missing = (entry as Record<string, unknown> | null)?.[path] === undefined;
        problems.push(
          `${nameOf(path as keyof AccountFields)} ${missing ? 'is required' : 'must be a string'}`,
        );
      }
    }
    return { appid: '', secret: '', token: '', aesKeys: [], encryptMode: 'plain' };
  }
  return parseAccount(parsed.data, nameOf, true, problems);
}
