/**
 * Dead-letter replay: dead inbox items go back to pending (attempts reset,
 * due now) by id or all at once, a dry run changes nothing, and the
 * processor then handles them like fresh pushes.
 */
import { uniqueDbName } from '@wxlink/testkit';
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';
import pino from 'pino';
import { run } from '../../../src/official-account/inbox/replay-command';
import { composeDeps } from '../../../src/compose';
import { loadConfig } from '../../../src/config';
import type { AppDeps } from '../../../src/deps';
import type { InboxItem } from '../../../src/official-account/inbox/inbox.model';
import { startInboxProcessor } from '../../../src/official-account/inbox/processor';
import { AppError } from '../../../src/platform/errors';
import { replayDeadLetters } from '../../../src/official-account/inbox/replay';
import { sandboxEnv } from '../../support/harness';
import { eventually } from '../linkage-support';

let sandbox: Sandbox;
let deps: AppDeps;
let dbName: string;
const nowMs = Date.UTC(2026, 0, 10, 12, 0, 0);
beforeAll(async () => {
  sandbox = await startSandbox();
  dbName = uniqueDbName('inbox-replay');
  const config = loadConfig(sandboxEnv(sandbox), 'production');
  deps = await composeDeps({
    config: { ...config, mongodbUri: process.env.WXLINK_TEST_MONGODB_URI! },
    logger: pino({ level: 'silent' }),
    dbName,
    defaultMetrics: false,
    clock: { now: () => new Date(nowMs) },
  });
});
afterAll(async () => {
  await deps?.db.close();
  await sandbox?.close();
});
beforeEach(() => deps.models.Inbox.deleteMany({}));

let seq = 0;
async function item(status: InboxItem['status'], extra: Partial<InboxItem> = {}) {
  const createTime = Math.floor(nowMs / 1000) - 3600 + ++seq;
  const openid = extra.openid ?? `o-${seq}`;
  const doc = await deps.models.Inbox.create({
    dedupKey: `event:${openid}:${createTime}:subscribe`,
    appid: deps.config.officialAccount.appid,
    type: 'subscribe',
    openid,
    createTime,
    payload: { type: 'subscribe', scene: null },
    status,
    attempts: status === 'dead' ? 10 : 0,
    nextAttemptAt: new Date(nowMs - 3_600_000),
    lastError: status === 'dead' ? 'WechatApiError userInfo errcode -1: system busy' : null,
    receivedAt: new Date(nowMs - 3_600_000 + seq),
    processedAt: status === 'dead' ? new Date(nowMs - 60_000) : null,
    ...extra,
  });
  return doc._id.toString();
}
const statusOf = async (id: string) => deps.models.Inbox.findById(id).lean();

test('--id moves one dead item back to pending, attempts reset and due now', async () => {
  const dead = await item('dead');
  const otherDead = await item('dead');
  const result = await replayDeadLetters(deps, { id: dead });
  expect(result).toMatchObject({ replayed: 1, dryRun: false });
  expect(result.items).toEqual([
    expect.objectContaining({ id: dead, type: 'subscribe', attempts: 10 }),
  ]);
  expect(await statusOf(dead)).toMatchObject({
    status: 'pending',
    attempts: 0,
    nextAttemptAt: new Date(nowMs),
    leaseOwner: null,
    processedAt: null,
  });
  expect(await statusOf(otherDead)).toMatchObject({ status: 'dead', attempts: 10 });
});

test('--all replays every dead item and nothing else; a second run finds none', async () => {
  const dead = [await item('dead'), await item('dead'), await item('dead')];
  const done = await item('done');
  const pending = await item('pending');
  const result = await replayDeadLetters(deps, { all: true });
  expect(result.replayed).toBe(3);
  expect(result.items.map((i) => i.id)).toEqual(dead);
  for (const id of dead)
    expect(await statusOf(id)).toMatchObject({ status: 'pending', attempts: 0 });
  expect(await statusOf(done)).toMatchObject({ status: 'done' });
  expect(await statusOf(pending)).toMatchObject({
    status: 'pending',
    nextAttemptAt: new Date(nowMs - 3_600_000),
  });
  expect(await replayDeadLetters(deps, { all: true })).toMatchObject({ items: [], replayed: 0 });
});

test('--dry-run lists without changing anything', async () => {
  const dead = await item('dead');
  const result = await replayDeadLetters(deps, { all: true, dryRun: true });
  expect(result).toMatchObject({ dryRun: true, replayed: 0 });
  expect(result.items.map((i) => i.id)).toEqual([dead]);
  expect(await statusOf(dead)).toMatchObject({ status: 'dead', attempts: 10 });
});

test('bad, unknown and not-dead ids are typed errors', async () => {
  const done = await item('done');
  const cases: [Parameters<typeof replayDeadLetters>[1], string][] = [
    [{}, 'USAGE'],
    [{ id: done, all: true }, 'USAGE'],
    [{ id: 'not-an-id' }, 'USAGE'],
    [{ id: '0123456789abcdef01234567' }, 'NOT_FOUND'],
    [{ id: done }, 'INVALID_REQUEST'],
  ];
  for (const [options, code] of cases) {
    const err: unknown = await replayDeadLetters(deps, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code });
  }
  expect(await statusOf(done)).toMatchObject({ status: 'done' });
});

test('a replayed item is processed again: the follower gets recorded', async () => {
  const user = sandbox.createUser({ following: true });
  const id = await item('dead', { openid: user.oaOpenid });
  await replayDeadLetters(deps, { id });
  const processor = startInboxProcessor(deps, { pollIntervalMs: 20 });
  try {
    await eventually(async () => ((await statusOf(id))?.status === 'done' ? true : undefined));
  } finally {
    await processor.stop();
  }
  expect(await statusOf(id)).toMatchObject({ status: 'done', attempts: 1 });
  expect(await deps.models.Follower.findOne({ openid: user.oaOpenid }).lean()).toMatchObject({
    subscribed: true,
    unionid: user.unionid,
  });
});

test('the command prints what it did, validates its arguments and exits accordingly', async () => {
  const dead = await item('dead');
  const uri = new URL(process.env.WXLINK_TEST_MONGODB_URI!);
  uri.pathname = `/${dbName}`;
  const env = { ...sandboxEnv(sandbox), MONGODB_URI: uri.toString() };
  const out: string[] = [];
  const stdout = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;

  expect(await run(['--all', '--dry-run'], env, stdout)).toBe(0);
  expect(out.join('')).toContain(dead);
  expect(out.join('')).toMatch(/dry run: 1 dead item\(s\) would be replayed/);
  expect(await statusOf(dead)).toMatchObject({ status: 'dead' });

  out.length = 0;
  expect(await run(['--id', dead], env, stdout)).toBe(0);
  expect(out.join('')).toMatch(/replayed 1 of 1 dead item\(s\) to pending/);
  expect(await statusOf(dead)).toMatchObject({ status: 'pending' });

  out.length = 0;
  expect(await run(['--id', dead], env, stdout)).toBe(1);
  expect(out.join('')).toMatch(/is pending, not dead/);

  for (const argv of [[], ['--id'], ['--bogus'], ['--all', '--id', dead]]) {
    out.length = 0;
    expect(await run(argv, env, stdout)).toBe(2);
    expect(out.join('')).toMatch(/Usage: inbox-replay/);
  }
});
