/**
 * The inbox processor against a real database, with a scripted WeChat:
 * claims across instances, crash recovery through expired leases, graceful
 * release on stop, backoff, and types without a handler.
 */
import { cryptoRandom } from '../../../src/compose';
import type { PushType } from '../../../src/official-account/inbox/handlers';
import type mongoose from 'mongoose';
import pino from 'pino';
import { loadConfig } from '../../../src/config';
import type { AppDeps } from '../../../src/deps';
import { createMetrics } from '../../../src/platform/metrics';
import type { Models } from '../../../src/models';
import {
  backoffDelayMs,
  startInboxProcessor,
  type InboxProcessor,
} from '../../../src/official-account/inbox/processor';
import { WechatApiError } from '../../../src/wechat/errors';
import type { FollowerInfo, WechatApis } from '../../../src/wechat/types';
import { eventually } from '../linkage-support';
import { connectModels } from '../../support/guarded-connection';

const APPID = 'wxoaprocessortest';
let conn: mongoose.Connection;
let models: Models;

beforeAll(async () => {
  ({ conn, models } = await connectModels('processor'));
});
afterAll(() => conn.close());
beforeEach(async () => {
  await models.Inbox.deleteMany({});
  await models.Follower.deleteMany({});
});

/** A WeChat whose user/info answers are scripted per call. */
function scriptedWechat(
  answer: (openid: string) => Promise<FollowerInfo>,
): WechatApis & { calls: string[] } {
  const calls: string[] = [];
  const unused = () => Promise.reject(new Error('not used here'));
  const account = {
    appid: APPID,
    getFollowerInfo: (openid: string) => {
      calls.push(openid);
      return answer(openid);
    },
    batchGetFollowerInfo: unused,
    listFollowers: unused,
    exchangeOAuthCode: unused,
  };
  return {
    calls,
    miniProgram: {
      appid: 'wxmp',
      code2Session: unused,
      checkSession: unused,
      getPhoneNumber: unused,
    },
    officialAccount: (appid) => {
      if (appid !== APPID) throw new Error(`unexpected appid ${appid}`);
      return account;
    },
    tokens: undefined as never,
  };
}

function depsWith(
  wechat: WechatApis,
): Pick<AppDeps, 'models' | 'clock' | 'random' | 'wechat' | 'logger' | 'metrics' | 'config'> {
  return {
    models,
    wechat,
    clock: { now: () => new Date() },
    random: cryptoRandom,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
    config: loadConfig({}, 'development'),
  };
}

async function addItem(
  openid: string,
  type: PushType = 'subscribe',
  extra: Record<string, unknown> = {},
) {
  const now = new Date();
  return models.Inbox.create({
    dedupKey: `event:${openid}:1700000000:${type}`,
    appid: APPID,
    type,
    openid,
    createTime: 1700000000,
    payload: { type },
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    receivedAt: now,
    ...extra,
  });
}

const fast = { pollIntervalMs: 20, backoffBaseMs: 20, backoffMaxMs: 100, concurrency: 3 };

test('two processors share the work and never process one item twice', async () => {
  const wechat = scriptedWechat(async (openid) => {
    await new Promise((r) => setTimeout(r, 5));
    return { openid, subscribed: true, unionid: `u-${openid}` };
  });
  for (let i = 0; i < 30; i++) await addItem(`o${i}`);
  const a = startInboxProcessor(depsWith(wechat), fast);
  const b = startInboxProcessor(depsWith(wechat), fast);
  try {
    await eventually(
      async () => (await models.Inbox.countDocuments({ status: 'done' })) === 30,
      10_000,
    );
    expect(wechat.calls).toHaveLength(30);
    expect(new Set(wechat.calls).size).toBe(30);
    expect(await models.Inbox.countDocuments({ attempts: 1 })).toBe(30);
    expect(await models.Follower.countDocuments({ unionid: { $ne: null } })).toBe(30);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('an item whose holder crashed (lease expired) is picked up again', async () => {
  const wechat = scriptedWechat((openid) =>
    Promise.resolve({ openid, subscribed: true, unionid: 'u-crash' }),
  );
  await addItem('oCrashed', 'subscribe', {
    status: 'processing',
    attempts: 1,
    leaseOwner: 'dead-instance:1',
    leaseUntil: new Date(Date.now() - 1000),
  });
  await addItem('oHeld', 'subscribe', {
    status: 'processing',
    attempts: 1,
    leaseOwner: 'live-instance:1',
    leaseUntil: new Date(Date.now() + 60_000),
  });
  const p = startInboxProcessor(depsWith(wechat), fast);
  try {
    await eventually(
      async () => (await models.Inbox.findOne({ openid: 'oCrashed' }).lean())?.status === 'done',
    );
    expect(await models.Inbox.findOne({ openid: 'oCrashed' }).lean()).toMatchObject({
      attempts: 2,
      leaseOwner: null,
    });
    // A live lease is respected.
    expect((await models.Inbox.findOne({ openid: 'oHeld' }).lean())?.status).toBe('processing');
    expect(wechat.calls).toEqual(['oCrashed']);
  } finally {
    await p.stop();
  }
});

test('stop() hands back the items it still holds', async () => {
  let release!: () => void;
  const blocked = new Promise<void>((r) => (release = r));
  const wechat = scriptedWechat(async (openid) => {
    await blocked;
    return { openid, subscribed: true, unionid: 'u-slow' };
  });
  await addItem('oSlow');
  const p: InboxProcessor = startInboxProcessor(depsWith(wechat), { ...fast, stopTimeoutMs: 100 });
  await eventually(() => Promise.resolve(wechat.calls.length === 1));
  expect((await models.Inbox.findOne({ openid: 'oSlow' }).lean())?.status).toBe('processing');
  await p.stop();
  expect(await models.Inbox.findOne({ openid: 'oSlow' }).lean()).toMatchObject({
    status: 'pending',
    attempts: 0,
    leaseOwner: null,
  });
  // The stopped instance finishing late cannot overwrite what the next holder does.
  release();
  await new Promise((r) => setTimeout(r, 50));
  expect((await models.Inbox.findOne({ openid: 'oSlow' }).lean())?.status).toBe('pending');
});

test('stop() leaves no timer behind once its loops have finished', async () => {
  const wechat = scriptedWechat((openid) => Promise.resolve({ openid, subscribed: true }));
  const p = startInboxProcessor(depsWith(wechat), { ...fast, stopTimeoutMs: 60_000 });
  const started = jest.spyOn(global, 'setTimeout');
  const cleared = jest.spyOn(global, 'clearTimeout');
  try {
    await p.stop();
    // The stop's own limit: cleared when the loops finish first, not left
    // pending for a minute holding the processor and its deps.
    const limits = started.mock.calls.flatMap((call, i) =>
      call[1] === 60_000 ? [started.mock.results[i]?.value as unknown] : [],
    );
    expect(limits).toHaveLength(1);
    expect(cleared).toHaveBeenCalledWith(limits[0]);
  } finally {
    started.mockRestore();
    cleared.mockRestore();
  }
});

test('types without a handler are acknowledged; permanent WeChat errors dead-letter at once', async () => {
  const wechat = scriptedWechat(() =>
    Promise.reject(new WechatApiError('userInfo', 40003, 'NOT_FOUND', 'invalid openid')),
  );
  await addItem('oText', 'message');
  await addItem('oGone', 'subscribe');
  const deps = depsWith(wechat);
  const p = startInboxProcessor(deps, fast);
  try {
    await eventually(
      async () => (await models.Inbox.countDocuments({ status: { $in: ['done', 'dead'] } })) === 2,
    );
    expect((await models.Inbox.findOne({ openid: 'oText' }).lean())?.status).toBe('done');
    expect(await models.Inbox.findOne({ openid: 'oGone' }).lean()).toMatchObject({
      status: 'dead',
      attempts: 1,
    });
    expect((await deps.metrics.eventsDeadLettered.get()).values[0]?.value).toBe(1);
  } finally {
    await p.stop();
  }
});

test('backoff doubles per attempt, is capped and jittered', () => {
  const opts = { backoffBaseMs: 1000, backoffMaxMs: 60_000 };
  expect(backoffDelayMs(1, opts, () => 0.5)).toBe(1000);
  expect(backoffDelayMs(3, opts, () => 0.5)).toBe(4000);
  expect(backoffDelayMs(20, opts, () => 0.5)).toBe(60_000);
  expect(backoffDelayMs(1, opts, () => 0)).toBe(800);
  expect(backoffDelayMs(1, opts, () => 1)).toBe(1200);
});
