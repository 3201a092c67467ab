/**
 * npm run doctor against the sandbox: every check passes on a healthy
 * configuration, and each injected fault produces its named FAIL line and a
 * non-zero exit code.
 */
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';
import { uniqueDbName } from '@wxlink/testkit';
import mongoose from 'mongoose';
import { checkDatabase, missingIndexes } from '../../src/doctor/database-checks';
import { createModels } from '../../src/models';
import { run } from '../../src/doctor/doctor-command';
import { runDoctor } from '../../src/doctor/doctor';
import { accountsFileEnv, sandboxEnv, startTestServer, type TestServer } from '../support/harness';

let sandbox: Sandbox;
let t: TestServer;
let mp: string;
let oa1: string;
let oa2: string;
let env: Record<string, string>;

beforeAll(async () => {
  sandbox = await startSandbox({ officialAccounts: [{}, {}] });
  mp = sandbox.config.miniProgram.appid;
  [oa1, oa2] = sandbox.officialAccountsFile().map((a) => a.appid) as [string, string];
  const accountsEnv = accountsFileEnv(sandbox);
  t = await startTestServer({ sandbox, env: accountsEnv });
  sandbox.createFollowers(30, { appid: oa1 });
  sandbox.createFollowers(5, { appid: oa2 });
  const uri = new URL(process.env.WXLINK_TEST_MONGODB_URI!);
  uri.pathname = `/${t.dbName}`;
  env = {
    ...sandboxEnv(sandbox),
    ...accountsEnv,
    MONGODB_URI: uri.toString(),
    PUBLIC_BASE_URL: t.url,
    LOG_LEVEL: 'silent',
  };
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
});
afterEach(() => sandbox.clearFaults());

async function doctor(
  overrides: Record<string, string> = {},
): Promise<{ code: number; lines: string[] }> {
  const chunks: string[] = [];
  const out = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
  const code = await run([], { ...env, ...overrides }, out);
  return { code, lines: chunks.join('').trimEnd().split('\n') };
}

const failures = (lines: string[]) => lines.filter((l) => l.startsWith('FAIL'));

test('a healthy configuration: one ok line per check, exit 0', async () => {
  const { code, lines } = await doctor();
  expect(lines).toEqual([
    'ok   database reachable',
    expect.stringMatching(/^ok {3}database indexes \(\d+ collections checked\)$/),
    `ok   access token (mini-program ${mp})`,
    `ok   access token (official account ${oa1})`,
    `ok   access token (official account ${oa2})`,
    `ok   follower list (official account ${oa1}) (30 followers)`,
    `ok   unionid returned (official account ${oa1}) (20 of 20 sampled followers)`,
    `ok   push URL ${t.url}/wechat/official-account/${oa1}/events (official account ${oa1})`,
    `ok   follower list (official account ${oa2}) (5 followers)`,
    `ok   unionid returned (official account ${oa2}) (5 of 5 sampled followers)`,
    `ok   push URL ${t.url}/wechat/official-account/${oa2}/events (official account ${oa2})`,
  ]);
  expect(code).toBe(0);
});

test.each([
  [40001, /the AppSecret is wrong.*copy the AppSecret of .* into MINIPROGRAM_SECRET/],
  [40125, /the AppSecret is invalid \(errcode 40125\).*MINIPROGRAM_SECRET/],
  [40243, /the AppSecret is frozen \(errcode 40243\): unfreeze it/],
  [61004, /IP address is not in the app's API IP allow-list \(errcode 61004\).*IP白名单/],
])('mini-program token fault %i is named', async (errcode, message) => {
  sandbox.injectTokenFault(mp, errcode);
  const { code, lines } = await doctor();
  expect(code).toBe(1);
  expect(failures(lines)).toEqual([expect.stringMatching(message)]);
  expect(failures(lines)[0]).toMatch(new RegExp(`^FAIL access token \\(mini-program ${mp}\\): `));
});

test.each([40001, 40125, 40243, 61004])(
  'official-account token fault %i: named, and that account’s follower checks are skipped',
  async (errcode) => {
    sandbox.injectTokenFault(oa2, errcode);
    const { code, lines } = await doctor();
    expect(code).toBe(1);
    expect(failures(lines)).toEqual([
      expect.stringMatching(
        new RegExp(`^FAIL access token \\(official account ${oa2}\\): .*errcode ${errcode}`),
      ),
    ]);
    expect(lines.some((l) => l.includes(`follower list (official account ${oa2})`))).toBe(false);
    expect(lines).toContain(`ok   follower list (official account ${oa1}) (30 followers)`);
    if (errcode === 40001 || errcode === 40125) {
      expect(failures(lines)[0]).toMatch(/its entry in OFFICIAL_ACCOUNTS_FILE/);
    }
  },
);

test('an account not bound to the Open Platform: unionid will be missing', async () => {
  sandbox.setOpenPlatformBound(oa1, false);
  const { code, lines } = await doctor();
  expect(code).toBe(1);
  expect(failures(lines)).toEqual([
    `FAIL unionid returned (official account ${oa1}): the official account is not bound to the same WeChat Open Platform account as the mini-program: unionid will be missing`,
  ]);
});

test('PUBLIC_BASE_URL that reaches no server', async () => {
  const { code, lines } = await doctor({ PUBLIC_BASE_URL: 'http://127.0.0.1:9' });
  expect(code).toBe(1);
  expect(failures(lines)).toEqual([
    expect.stringMatching(
      new RegExp(
        `^FAIL push URL http://127.0.0.1:9/wechat/official-account/${oa1}/events .*start the server or fix PUBLIC_BASE_URL$`,
      ),
    ),
    expect.stringMatching(/start the server or fix PUBLIC_BASE_URL$/),
  ]);
});

test('a server running with another Token refuses the signed verification', async () => {
  const accounts = sandbox.officialAccountsFile();
  accounts[0] = { ...accounts[0]!, token: 'notTheServersToken' };
  const { code, lines } = await doctor(accountsFileEnv(sandbox, accounts));
  expect(code).toBe(1);
  expect(failures(lines)).toEqual([
    expect.stringMatching(/^FAIL push URL .*the server refused the signature \(401\)/),
  ]);
});

test('indexes the database lacks are named', async () => {
  // A database the server never started on: the collections and indexes are not there.
  const empty = await mongoose
    .createConnection(process.env.WXLINK_TEST_MONGODB_URI!, {
      dbName: uniqueDbName('doctor-empty'),
      // Else mongoose builds the indexes on its own as soon as the models exist.
      autoCreate: false,
      autoIndex: false,
    })
    .asPromise();
  const [reachable, indexes] = await checkDatabase({
    db: empty,
    models: createModels(empty),
  }).finally(() => empty.close());
  expect(reachable).toEqual({ check: 'database reachable', ok: true });
  expect(indexes).toMatchObject({ check: 'database indexes', ok: false });
  expect(indexes!.detail).toMatch(/^missing users \{miniOpenid:1\} unique; /);
  expect(indexes!.detail).toMatch(/oa_followers \{appid:1,openid:1\} unique/);
  expect(indexes!.detail).toMatch(/start the server once \(it builds them\)/);
  // The server's own database has them all.
  expect((await checkDatabase(t.deps))[1]).toMatchObject({ ok: true });
});

test('an index that exists without `unique` does not count', async () => {
  const model = t.deps.models.User;
  const fake = {
    modelName: 'User',
    schema: model.schema,
    collection: {
      collectionName: 'users',
      indexes: async () =>
        (await model.collection.indexes()).map((ix) => ({ ...ix, unique: false })),
    },
  };
  expect(await missingIndexes(fake)).toEqual(['users {miniOpenid:1} unique']);
});

test('runDoctor with live deps reports the same checks', async () => {
  const chunks: string[] = [];
  const out = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
  const deps = { ...t.deps, config: { ...t.deps.config, publicBaseUrl: t.url } };
  expect(await runDoctor(deps, out, { accountsFromFile: true })).toBe(true);
  expect(chunks).toHaveLength(11);
});

test('usage and configuration errors exit 2', async () => {
  const chunks: string[] = [];
  const out = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
  expect(await run(['--bogus'], env, out)).toBe(2);
  expect(chunks.join('')).toMatch(/unknown argument: --bogus\nUsage: doctor/);
  chunks.length = 0;
  expect(await run([], {}, out)).toBe(2);
  expect(chunks.join('')).toMatch(/MINIPROGRAM_APPID is required/);
});
