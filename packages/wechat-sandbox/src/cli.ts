#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { SandboxClient, SandboxClientError } from './client';
import { SandboxError } from './errors';
import type { SandboxEvent } from './event-log';
import type { PushResult } from './pusher';
import { startSandbox } from './sandbox';
import type { SandboxOptions } from './sandbox';
import type { SandboxUserView } from './user-view';

/**
 * `npm run sandbox -- <command>`: start a sandbox (`serve`) or drive a
 * running one through its control API.
 */

const DEFAULT_URL = 'http://127.0.0.1:4010';

const USAGE = `Usage: npm run sandbox -- <command> [options]

Commands:
  serve [--port 4010] [--host 127.0.0.1] [--accept-unknown-codes] [--tourist-mode]
        [--official-accounts N] [--push-url URL --push-mode plain|compat|safe]
                              start a sandbox (reads MINIPROGRAM_APPID/SECRET, OFFICIAL_ACCOUNT_APPID/
                              SECRET/TOKEN/AES_KEY from the environment when set; --official-accounts
                              hosts N accounts, the primary first, the others generated)
  create-user [--unbound] [--following] [--nick NAME]
                              create a user (--unbound: no unionid)
  users [--offset N] [--limit N]
                              list users
  login-code <userId>         mint a wx.login code (rotates the user's session_key)
  phone-code <userId>         mint a getPhoneNumber code
  follow <userId> [--scene S] [--no-push] [--account APPID]
                              subscribe (SCAN for a follower with --scene); --no-push: WeChat gave up
  unfollow <userId> [--no-push] [--account APPID]
  push-target <url> [--mode plain|compat|safe] [--account APPID] | push-target --clear
  token-fault <appid> <40001|40125|40243|61004>
                              token fetches of that app answer the errcode (clear with: clear-faults)
  unbind <appid>              that app is not bound to the Open Platform (no unionid)
  clear-faults                clear every injected fault
  stats                       token counts, calls per route, pushes
  log [--since SEQ]           what the sandbox did
  config                      appids, secrets, token and AES key of the running sandbox

Options for commands against a running sandbox:
  --url URL                   default: $SANDBOX_URL or ${DEFAULT_URL}
`;

class UsageError extends Error {}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function formatTime(seconds: number | null): string {
  return seconds === null ? '-' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function describeUser(u: SandboxUserView): string {
  const follow = u.following ? `following since ${formatTime(u.subscribeTime)}` : 'not following';
  return `${u.id}  ${u.nickName}  mini=${u.miniOpenid}  oa=${u.oaOpenid}  unionid=${u.unionid ?? '(unbound)'}  ${follow}`;
}

function describePush(push: PushResult | null): string {
  if (push === null) return 'no push sent (nothing changed, no push target set, or --no-push)';
  const tries = push.attempts
    .map(
      (a, i) =>
        `#${i + 1} ${a.error ?? `HTTP ${a.status} ${JSON.stringify((a.body ?? '').slice(0, 40))}`} (${a.ms} ms)`,
    )
    .join('; ');
  return `push ${push.delivered ? 'delivered' : `NOT delivered (${push.outcome})`}: ${tries}`;
}

function describeEvent(e: SandboxEvent): string {
  return `${String(e.seq).padStart(5)}  ${new Date(e.at).toISOString()}  ${e.type.padEnd(16)} ${e.message}`;
}

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

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 4010;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535)
    throw new UsageError(`--port must be 0..65535, got ${raw}`);
  return Number(raw);
}

function parseMode(raw: string | undefined): 'plain' | 'compat' | 'safe' {
  const mode = raw ?? 'plain';
  if (mode !== 'plain' && mode !== 'compat' && mode !== 'safe') {
    throw new UsageError(`--mode must be plain, compat or safe, got ${mode}`);
  }
  return mode;
}

function parseIntOption(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(raw);
}

function accountsConfig(
  values: Record<string, string | boolean | undefined>,
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

async function serve(values: Record<string, string | boolean | undefined>): Promise<void> {
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

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'accept-unknown-codes': { type: 'boolean' },
      'tourist-mode': { type: 'boolean' },
      'official-accounts': { type: 'string' },
      account: { type: 'string' },
      'push-url': { type: 'string' },
      'push-mode': { type: 'string' },
      unbound: { type: 'boolean' },
      following: { type: 'boolean' },
      nick: { type: 'string' },
      scene: { type: 'string' },
      'no-push': { type: 'boolean' },
      mode: { type: 'string' },
      clear: { type: 'boolean' },
      since: { type: 'string' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, arg] = positionals;
  if (values.help || command === undefined || command === 'help') {
    print(USAGE);
    return;
  }
  if (command === 'serve') return serve(values);

  const client = new SandboxClient(values.url ?? process.env.SANDBOX_URL ?? DEFAULT_URL);
  const needUser = (): string => {
    if (!arg) throw new UsageError(`${command} needs a user id (see: npm run sandbox -- users)`);
    return arg;
  };
  switch (command) {
    case 'create-user': {
      const user = await client.createUser({
        unbound: values.unbound === true,
        following: values.following === true,
        nickName: values.nick,
      });
      print(`created ${describeUser(user)}`);
      return;
    }
    case 'users': {
      const { total, users } = await client.users(
        parseIntOption(values.offset, 'offset', 0),
        parseIntOption(values.limit, 'limit', 100),
      );
      print(`${total} user(s)${users.length < total ? `, showing ${users.length}` : ''}`);
      for (const u of users) print(describeUser(u));
      return;
    }
    case 'login-code': {
      const id = needUser();
      print(await client.loginCode(id));
      process.stderr.write(
        `(login code for ${id}; valid 5 minutes, single use; session_key rotated)\n`,
      );
      return;
    }
    case 'phone-code': {
      print(await client.phoneCode(needUser()));
      return;
    }
    case 'follow':
    case 'unfollow': {
      const id = needUser();
      const opts = { push: values['no-push'] ? false : undefined, appid: values.account };
      const r =
        command === 'follow'
          ? await client.follow(id, { ...opts, scene: values.scene })
          : await client.unfollow(id, opts);
      const appid = values.account ?? Object.keys(r.user.officialAccounts)[0] ?? '';
      const now = r.user.officialAccounts[appid]?.following === true;
      print(`${r.user.id} ${now ? 'follows' : 'does not follow'} the official account ${appid}`);
      print(describePush(r.push));
      return;
    }
    case 'token-fault': {
      const errcode = positionals[2];
      if (!arg || !errcode || !/^\d+$/.test(errcode)) {
        throw new UsageError('token-fault needs an appid and an errcode');
      }
      await client.injectTokenFault(arg, Number(errcode));
      print(`token fetches of ${arg} now answer ${errcode}`);
      return;
    }
    case 'unbind': {
      if (!arg) throw new UsageError('unbind needs an appid');
      await client.setOpenPlatformBound(arg, false);
      print(`${arg} is no longer bound to the Open Platform (no unionid)`);
      return;
    }
    case 'clear-faults': {
      await client.clearFaults();
      print('faults cleared');
      return;
    }
    case 'push-target': {
      if (values.clear) {
        await client.setPushTarget(null, values.account);
        print('push target cleared');
        return;
      }
      if (!arg) throw new UsageError('push-target needs a URL (or --clear)');
      const r = await client.setPushTarget(
        { url: arg, mode: parseMode(values.mode) },
        values.account,
      );
      print(`pushes go to ${r.pushTarget?.url} (${r.pushTarget?.mode})`);
      return;
    }
    case 'stats': {
      print(JSON.stringify(await client.stats(), null, 2));
      return;
    }
    case 'log': {
      const events = await client.events(parseIntOption(values.since, 'since', 0));
      if (events.length === 0) print('(no events)');
      for (const e of events) print(describeEvent(e));
      return;
    }
    case 'config': {
      print(JSON.stringify(await client.config(), null, 2));
      return;
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof SandboxClientError || err instanceof SandboxError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (code === 'EADDRINUSE') {
    process.stderr.write(`error: port already in use (${(err as Error).message}); try --port\n`);
    process.exit(1);
  }
  process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
