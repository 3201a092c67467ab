import { SandboxError } from './errors';
import { newAppid, newEncodingAesKey, newSecret, randomToken } from './ids';

/** The apps the sandbox impersonates. Secrets included: the sandbox is local test gear. */
export interface SandboxConfig {
  miniProgram: { appid: string; secret: string };
  officialAccount: {
    appid: string;
    secret: string;
    /** The push Token configured in the official account. */
    token: string;
    /** 43-char EncodingAESKey used for compat/safe pushes. */
    encodingAesKey: string;
    /** The account's original id (`gh_…`), sent as ToUserName. */
    originalId: string;
  };
}

export interface ConfigInput {
  miniProgram?: { appid: string; secret: string };
  officialAccount?: {
    appid: string;
    secret: string;
    token: string;
    encodingAesKey?: string;
    originalId?: string;
  };
}

const APPID = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9]{3,32}$/; // the console's rule for the push Token
const AES_KEY = /^[A-Za-z0-9]{43}$/;

function check(ok: boolean, message: string): void {
  if (!ok) throw new SandboxError('INVALID_OPTION', message);
}

export function resolveConfig(input: ConfigInput = {}): SandboxConfig {
  const mp = input.miniProgram ?? { appid: newAppid(), secret: newSecret() };
  const oa = input.officialAccount ?? {
    appid: newAppid(),
    secret: newSecret(),
    token: randomToken(12).replace(/[^A-Za-z0-9]/g, 'x'),
  };
  check(typeof mp.appid === 'string' && APPID.test(mp.appid), 'miniProgram.appid is invalid');
  check(typeof mp.secret === 'string' && mp.secret.length > 0, 'miniProgram.secret is required');
  check(typeof oa.appid === 'string' && APPID.test(oa.appid), 'officialAccount.appid is invalid');
  check(
    typeof oa.secret === 'string' && oa.secret.length > 0,
    'officialAccount.secret is required',
  );
  check(mp.appid !== oa.appid, 'the mini-program and the official account need different appids');
  check(
    typeof oa.token === 'string' && TOKEN.test(oa.token),
    'officialAccount.token must be 3-32 letters or digits',
  );
  const encodingAesKey = oa.encodingAesKey ?? newEncodingAesKey();
  check(
    AES_KEY.test(encodingAesKey),
    'officialAccount.encodingAesKey must be 43 letters or digits',
  );
  const originalId = oa.originalId ?? `gh_${newSecret().slice(0, 12)}`;
  return {
    miniProgram: { appid: mp.appid, secret: mp.secret },
    officialAccount: {
      appid: oa.appid,
      secret: oa.secret,
      token: oa.token,
      encodingAesKey,
      originalId,
    },
  };
}
