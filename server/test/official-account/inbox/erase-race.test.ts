/**
 * Erase retention when a follower's pushes are handled side by side: the
 * subscribe's handler saw them following, then the unfollow was handled and
 * erased their entries before the subscribe's entry was completed. That
 * entry must go too (WeChat: "为保护用户数据隐私，开发者收到用户取消关注事件时需要删除该用户的所有信息");
 * the unfollow flags it and its completion deletes it.
 */
import { cryptoRandom } from '../../../src/compose';
import type mongoose from 'mongoose';
import pino from 'pino';
import { loadConfig } from '../../../src/config';
import { createMetrics } from '../../../src/platform/metrics';
import type { Models } from '../../../src/models';
import { startInboxProcessor } from '../../../src/official-account/inbox/processor';
import type { OfficialAccountApi, WechatApis } from '../../../src/wechat/types';
import { connectModels } from '../../support/guarded-connection';
import { metricSum } from '../../support/cluster';
import { eventually } from '../linkage-support';

const APPID = 'wxoaeraserace';
let conn: mongoose.Connection;
let models: Models;

beforeAll(async () => {
  ({ conn, models } = await connectModels('erase-race'));
});
afterAll(() => conn.close());

/** A WeChat whose user/info says every openid follows, with a unionid. */
function followingWechat(): WechatApis {
  const unused = () => Promise.reject(new Error('not used here'));
  const account = {
    appid: APPID,
    getFollowerInfo: (openid: string) =>
      Promise.resolve({ openid, subscribed: true, unionid: `u-${openid}` }),
    batchGetFollowerInfo: unused,
    listFollowers: unused,
    exchangeOAuthCode: unused,
  } as unknown as OfficialAccountApi;
  return {
    miniProgram: undefined as never,
    officialAccount: () => account,
    tokens: undefined as never,
  };
}

const item = (openid: string, type: 'subscribe' | 'unsubscribe', createTime: number) => {
  const now = new Date();
  return {
    dedupKey: `event:${openid}:${createTime}:${type}`,
    appid: APPID,
    type,
    openid,
    createTime,
    payload: { type },
    status: 'pending' as const,
    attempts: 0,
    nextAttemptAt: now,
    receivedAt: now,
  };
};

/**
 * Holds the completion of `id` (the update that makes it done) until
 * `meanwhile` has run: the interleaving this suite is about, made certain.
 */
function holdCompletion(id: unknown, meanwhile: () => Promise<void>) {
  const updateOne = models.Inbox.updateOne.bind(models.Inbox);
  return jest.spyOn(models.Inbox, 'updateOne').mockImplementation(((
    ...args: Parameters<typeof updateOne>
  ) => {
    const query = updateOne(...args);
    const filter = args[0] as { _id?: { equals?: (x: unknown) => boolean }; status?: string };
    if (filter.status === 'processing' && filter._id?.equals?.(id) === true) {
      const exec = query.exec.bind(query);
      query.exec = async () => {
        await meanwhile();
        return exec();
      };
    }
    return query;
  }) as never);
}

test('an entry completed after its follower was erased is deleted too', async () => {
  const openid = 'oRaced';
  const deps = {
    models,
    wechat: followingWechat(),
    clock: { now: () => new Date() },
    random: cryptoRandom,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
    config: loadConfig({}, 'development'), // FOLLOWER_RETENTION defaults to erase
  };
  const follow = await models.Inbox.create(item(openid, 'subscribe', 100));
  // The unfollow arrives once the follow's handler is done, and is handled (and erases)
  // before the follow's entry is completed.
  const spy = holdCompletion(follow._id, async () => {
    await models.Inbox.create(item(openid, 'unsubscribe', 200));
    await eventually(
      async () => (await models.Follower.findOne({ openid }).lean())?.subscribed === false,
    );
    await eventually(
      async () => (await models.Inbox.countDocuments({ openid, type: 'unsubscribe' })) === 0,
    );
  });
  const processor = startInboxProcessor(deps, { pollIntervalMs: 20, concurrency: 2 });
  try {
    await eventually(async () => (await models.Inbox.countDocuments({ openid })) === 0, 5000);
    expect(await models.Follower.findOne({ openid }).lean()).toMatchObject({
      subscribed: false,
      stateAt: 200,
      unionid: null,
    });
    const text = await deps.metrics.registry.metrics();
    expect(metricSum(text, 'oa_pruned_total', { what: 'inbox_unfollowed' })).toBe(2);
  } finally {
    await processor.stop();
    spy.mockRestore();
  }
});
