import { startSandbox } from '../sandbox';
import type { SandboxOptions } from '../sandbox';
import { UsageError, parseIntOption, parseMode, parsePort } from './args';
import type { CliValues } from './args';
import { print } from './format';

/** `serve`: the sandbox's own process, configured from the environment and flags. */

function envConfig(): Pick<SandboxOptions, 'miniProgram' | 'officialAccount'> {
  const env = process.env;
  const out: Pick<SandboxOptions, 'miniProgram' | 'officialAccount'> = {};
  if (env.MINIPROGRAM_APPID && env.MINIPROGRAM_SECRET) {
    out.miniProgram = { appid: env.MINIPROGRAM_APPID, secret: env.MINIPROGRAM_SECRET };
  }
  if (env.OFFICIAL_ACCOUNT_APPID && env.OFFICIAL_ACCOUNT_SECRET && env.OFFICIAL_ACCOUNT_TOKEN) {
    out.officialAccount = {
      appid: env.OFFICIAL_ACCOUNT_APPID,
      secret: env.OFFICIAL_ACCOUNT_SECRET,
      token: env.OFFICIAL_ACCOUNT_TOKEN,
      encodingAesKey: env.OFFICIAL_ACCOUNT_AES_KEY || undefined,
    };
  }
  return out;
}

function accountsConfig(
  values: CliValues,
): Pick<SandboxOptions, 'miniProgram' | 'officialAccount' | 'officialAccounts'> {
  const env = envConfig();
  const raw = values['official-accounts'];
  if (typeof raw !== 'string') return env;
  const n = parseIntOption(raw, 'official-accounts', 1);
  if (n < 1 || n > 20) throw new UsageError('--official-accounts must be 1..20');
  const others = Array.from({ length: n - 1 }, () => ({}));
  return {
    miniProgram: env.miniProgram,
    officialAccounts: [env.officialAccount ?? {}, ...others],
  };
}

/** `serve`: starts a sandbox, prints the server's environment for it, stops on SIGINT/SIGTERM. */
export async function serve(values: CliValues): Promise<void> {
  const sandbox = await startSandbox({
    ...accountsConfig(values),
    host: typeof values.host === 'string' ? values.host : '127.0.0.1',
    port: parsePort(typeof values.port === 'string' ? values.port : undefined),
    acceptUnknownLoginCodes: values['accept-unknown-codes'] === true,
    devToolsTouristMode: values['tourist-mode'] === true,
  });
  if (typeof values['push-url'] === 'string') {
    sandbox.setPushTarget({
      url: values['push-url'],
      mode: parseMode(typeof values['push-mode'] === 'string' ? values['push-mode'] : undefined),
    });
  }
  const { miniProgram: mp, officialAccount: oa } = sandbox.config;
  print(`WeChat sandbox listening on ${sandbox.url}`);
  print();
  print('Point the server at it with:');
  print(`  WECHAT_API_BASE=${sandbox.url}`);
  print(`  MINIPROGRAM_APPID=${mp.appid}`);
  print(`  MINIPROGRAM_SECRET=${mp.secret}`);
  print(`  OFFICIAL_ACCOUNT_APPID=${oa.appid}`);
  print(`  OFFICIAL_ACCOUNT_SECRET=${oa.secret}`);
  print(`  OFFICIAL_ACCOUNT_TOKEN=${oa.token}`);
  print(`  OFFICIAL_ACCOUNT_AES_KEY=${oa.encodingAesKey}`);
  if (sandbox.officialAccounts.length > 1) {
    print();
    print('Or, for every hosted official account, an OFFICIAL_ACCOUNTS_FILE with:');
    print(`  ${JSON.stringify(sandbox.officialAccountsFile())}`);
  }
  print();
  print(
    `Drive it from another terminal: SANDBOX_URL=${sandbox.url} npm run sandbox -- create-user`,
  );
  const stop = (): void => {
    print('stopping sandbox…');
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
