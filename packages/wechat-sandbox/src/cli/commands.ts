import type { SandboxClient } from '../client';
import { UsageError, parseIntOption, parseMode } from './args';
import type { CliValues } from './args';
import { describeEvent, describePush, describeUser, print } from './format';

/** The commands that drive a running sandbox through its control API, one handler each. */

/** What a command gets: the client, its name, the positionals after it and the option values. */
interface CommandInput {
  client: SandboxClient;
  command: string;
  /** The positionals after the command's name: `args[0]` is a user id, appid or URL. */
  args: string[];
  values: CliValues;
}

type Command = (input: CommandInput) => Promise<void>;

function needUser({ command, args: [userId] }: CommandInput): string {
  if (!userId) throw new UsageError(`${command} needs a user id (see: npm run sandbox -- users)`);
  return userId;
}

const createUser: Command = async ({ client, values }) => {
  const user = await client.createUser({
    unbound: values.unbound === true,
    following: values.following === true,
    nickName: values.nick,
  });
  print(`created ${describeUser(user)}`);
};

const listUsers: Command = async ({ client, values }) => {
  const { total, users } = await client.users(
    parseIntOption(values.offset, 'offset', 0),
    parseIntOption(values.limit, 'limit', 100),
  );
  print(`${total} user(s)${users.length < total ? `, showing ${users.length}` : ''}`);
  for (const u of users) print(describeUser(u));
};

const loginCode: Command = async (input) => {
  const id = needUser(input);
  print(await input.client.loginCode(id));
  process.stderr.write(
    `(login code for ${id}; valid 5 minutes, single use; session_key rotated)\n`,
  );
};

const phoneCode: Command = async (input) => {
  print(await input.client.phoneCode(needUser(input)));
};

const followOrUnfollow: Command = async (input) => {
  const { client, command, values } = input;
  const id = needUser(input);
  const opts = { push: values['no-push'] ? false : undefined, appid: values.account };
  const r =
    command === 'follow'
      ? await client.follow(id, { ...opts, scene: values.scene })
      : await client.unfollow(id, opts);
  const appid = values.account ?? Object.keys(r.user.officialAccounts)[0] ?? '';
  const now = r.user.officialAccounts[appid]?.following === true;
  print(`${r.user.id} ${now ? 'follows' : 'does not follow'} the official account ${appid}`);
  print(describePush(r.push));
};

const tokenFault: Command = async ({ client, args: [appid, errcode] }) => {
  if (!appid || !errcode || !/^\d+$/.test(errcode)) {
    throw new UsageError('token-fault needs an appid and an errcode');
  }
  await client.injectTokenFault(appid, Number(errcode));
  print(`token fetches of ${appid} now answer ${errcode}`);
};

const unbind: Command = async ({ client, args: [appid] }) => {
  if (!appid) throw new UsageError('unbind needs an appid');
  await client.setOpenPlatformBound(appid, false);
  print(`${appid} is no longer bound to the Open Platform (no unionid)`);
};

const clearFaults: Command = async ({ client }) => {
  await client.clearFaults();
  print('faults cleared');
};

const pushTarget: Command = async ({ client, args: [url], values }) => {
  if (values.clear) {
    await client.setPushTarget(null, values.account);
    print('push target cleared');
    return;
  }
  if (!url) throw new UsageError('push-target needs a URL (or --clear)');
  const r = await client.setPushTarget({ url, mode: parseMode(values.mode) }, values.account);
  print(`pushes go to ${r.pushTarget?.url} (${r.pushTarget?.mode})`);
};

const stats: Command = async ({ client }) => {
  print(JSON.stringify(await client.stats(), null, 2));
};

const log: Command = async ({ client, values }) => {
  const events = await client.events(parseIntOption(values.since, 'since', 0));
  if (events.length === 0) print('(no events)');
  for (const e of events) print(describeEvent(e));
};

const config: Command = async ({ client }) => {
  print(JSON.stringify(await client.config(), null, 2));
};

const COMMANDS: Record<string, Command> = {
  'create-user': createUser,
  users: listUsers,
  'login-code': loginCode,
  'phone-code': phoneCode,
  follow: followOrUnfollow,
  unfollow: followOrUnfollow,
  'token-fault': tokenFault,
  unbind,
  'clear-faults': clearFaults,
  'push-target': pushTarget,
  stats,
  log,
  config,
};

/** Runs one control-API command; an unknown name is a UsageError. */
export async function runCommand(input: CommandInput): Promise<void> {
  const command = Object.hasOwn(COMMANDS, input.command) ? COMMANDS[input.command] : undefined;
  if (!command) throw new UsageError(`unknown command: ${input.command}`);
  await command(input);
}
