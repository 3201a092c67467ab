import {
  ANONYMOUS_NICKNAME,
  applyFollowerEvent,
  isAnonymousProfile,
  maskPhone,
  pushDedupKey,
  reduceFollowerEvents,
  subscriptionStatus,
  subscriptionView,
} from '../src/linkage';
import type { FollowerState } from '../src/linkage';
import { SubscriptionViewSchema } from '../src/http';

const T = 1_714_550_400; // 2024-05-01T08:00:00Z

const subscribedState: FollowerState = {
  subscribed: true,
  stateAt: T,
  unionid: 'u-1',
  subscribedAt: T,
  unsubscribedAt: null,
  scene: 'poster',
};

describe('applyFollowerEvent', () => {
  it('starts from a subscribe', () => {
    expect(
      applyFollowerEvent(null, { kind: 'subscribe', at: T, unionid: 'u-1', scene: 'poster' }),
    ).toEqual(subscribedState);
  });

  it('starts from an unsubscribe with no unionid', () => {
    expect(applyFollowerEvent(null, { kind: 'unsubscribe', at: T, scene: 'ignored' })).toEqual({
      subscribed: false,
      stateAt: T,
      unionid: null,
      subscribedAt: null,
      unsubscribedAt: T,
      scene: null,
    });
  });

  it('a newer unsubscribe flips the state but keeps unionid, subscribedAt and scene', () => {
    expect(applyFollowerEvent(subscribedState, { kind: 'unsubscribe', at: T + 10 })).toEqual({
      subscribed: false,
      stateAt: T + 10,
      unionid: 'u-1',
      subscribedAt: T,
      unsubscribedAt: T + 10,
      scene: 'poster',
    });
  });

  it('a newer subscribe re-follows with its own scene and keeps the last unsubscribe time', () => {
    const unsubscribed = applyFollowerEvent(subscribedState, { kind: 'unsubscribe', at: T + 10 });
    expect(applyFollowerEvent(unsubscribed, { kind: 'subscribe', at: T + 20 })).toEqual({
      subscribed: true,
      stateAt: T + 20,
      unionid: 'u-1',
      subscribedAt: T + 20,
      unsubscribedAt: T + 10,
      scene: null,
    });
  });

  it('a late, older event does not override a newer state', () => {
    const unsubscribed = applyFollowerEvent(null, { kind: 'unsubscribe', at: T + 10 });
    expect(applyFollowerEvent(unsubscribed, { kind: 'subscribe', at: T, scene: 'x' })).toEqual(
      unsubscribed,
    );
    expect(applyFollowerEvent(subscribedState, { kind: 'unsubscribe', at: T - 1 })).toEqual(
      subscribedState,
    );
  });

  it('an older event still fills a missing unionid, and nothing else', () => {
    const unsubscribed = applyFollowerEvent(null, { kind: 'unsubscribe', at: T + 10 });
    expect(applyFollowerEvent(unsubscribed, { kind: 'subscribe', at: T, unionid: 'u-9' })).toEqual({
      ...unsubscribed,
      unionid: 'u-9',
    });
  });

  it('never replaces or clears a known unionid', () => {
    expect(
      applyFollowerEvent(subscribedState, { kind: 'unsubscribe', at: T + 1, unionid: null })
        .unionid,
    ).toBe('u-1');
    expect(
      applyFollowerEvent(subscribedState, { kind: 'subscribe', at: T + 1, unionid: 'u-other' })
        .unionid,
    ).toBe('u-1');
  });

  it('on equal time, unsubscribe wins whichever arrives first', () => {
    const sub = { kind: 'subscribe', at: T, unionid: 'u-1' } as const;
    const unsub = { kind: 'unsubscribe', at: T } as const;
    expect(reduceFollowerEvents([sub, unsub])?.subscribed).toBe(false);
    expect(reduceFollowerEvents([unsub, sub])?.subscribed).toBe(false);
    expect(reduceFollowerEvents([unsub, sub])?.unionid).toBe('u-1');
  });

  it('merges duplicates of the same moment independently of order', () => {
    const a = { kind: 'subscribe', at: T, scene: 'b-scene' } as const;
    const b = { kind: 'subscribe', at: T, scene: 'a-scene' } as const;
    const c = { kind: 'subscribe', at: T } as const;
    expect(reduceFollowerEvents([a, b])).toEqual(reduceFollowerEvents([b, a]));
    expect(reduceFollowerEvents([a, b])?.scene).toBe('a-scene');
    expect(reduceFollowerEvents([c, a])?.scene).toBe('b-scene');
    expect(reduceFollowerEvents([a, c])?.scene).toBe('b-scene');
    const u1 = { kind: 'unsubscribe', at: T } as const;
    expect(reduceFollowerEvents([u1, u1])).toEqual(reduceFollowerEvents([u1]));
  });

  it('is idempotent for WeChat retries', () => {
    const once = applyFollowerEvent(null, { kind: 'subscribe', at: T, unionid: 'u-1', scene: 's' });
    expect(
      applyFollowerEvent(once, { kind: 'subscribe', at: T, unionid: 'u-1', scene: 's' }),
    ).toEqual(once);
  });

  it.each([[Number.NaN], [-1], [1.5], [Number.POSITIVE_INFINITY], [2 ** 53]])(
    'rejects at = %p',
    (at) => {
      expect(() => applyFollowerEvent(null, { kind: 'subscribe', at })).toThrow(RangeError);
      expect(() => applyFollowerEvent(subscribedState, { kind: 'unsubscribe', at })).toThrow(
        /non-negative integer/,
      );
    },
  );
});

describe('reduceFollowerEvents', () => {
  it('returns null for no events and accepts any iterable', () => {
    expect(reduceFollowerEvents([])).toBeNull();
    function* events() {
      yield { kind: 'subscribe', at: T } as const;
      yield { kind: 'unsubscribe', at: T + 5 } as const;
    }
    expect(reduceFollowerEvents(events())?.subscribed).toBe(false);
  });

  it('treats a backfill snapshot as a subscribe at subscribe_time', () => {
    const live = { kind: 'unsubscribe', at: T + 100 } as const;
    const snapshot = { kind: 'subscribe', at: T, unionid: 'u-7' } as const; // older snapshot
    expect(reduceFollowerEvents([live, snapshot])).toMatchObject({
      subscribed: false,
      unionid: 'u-7',
    });
  });
});

describe('subscriptionStatus', () => {
  const unsubscribed: FollowerState = {
    ...subscribedState,
    subscribed: false,
    unsubscribedAt: T + 5,
    stateAt: T + 5,
  };

  it('is unknown without a user unionid, even if a follower is passed', () => {
    expect(subscriptionStatus({ userUnionid: null, follower: null })).toBe('unknown');
    expect(subscriptionStatus({ userUnionid: null, follower: subscribedState })).toBe('unknown');
    expect(subscriptionStatus({ userUnionid: '', follower: subscribedState })).toBe('unknown');
  });

  it('is never when no follower has the unionid', () => {
    expect(subscriptionStatus({ userUnionid: 'u-1', follower: null })).toBe('never');
  });

  it('treats a follower with another unionid as absent', () => {
    expect(subscriptionStatus({ userUnionid: 'u-2', follower: subscribedState })).toBe('never');
    expect(
      subscriptionStatus({ userUnionid: 'u-2', follower: { ...subscribedState, unionid: null } }),
    ).toBe('never');
  });

  it('is subscribed or unsubscribed from the follower', () => {
    expect(subscriptionStatus({ userUnionid: 'u-1', follower: subscribedState })).toBe(
      'subscribed',
    );
    expect(subscriptionStatus({ userUnionid: 'u-1', follower: unsubscribed })).toBe('unsubscribed');
  });
});

describe('subscriptionView', () => {
  const appid = 'wx1234567890abcdef';

  it('builds the API subscription object for all four statuses', () => {
    const views = [
      subscriptionView(appid, { userUnionid: null, follower: subscribedState }),
      subscriptionView(appid, { userUnionid: 'u-1', follower: null }),
      subscriptionView(appid, { userUnionid: 'u-1', follower: subscribedState }),
      subscriptionView(appid, {
        userUnionid: 'u-1',
        follower: {
          ...subscribedState,
          subscribed: false,
          stateAt: T + 60,
          unsubscribedAt: T + 60,
        },
      }),
    ];
    expect(views).toEqual([
      { officialAccountAppid: appid, status: 'unknown' },
      { officialAccountAppid: appid, status: 'never' },
      {
        officialAccountAppid: appid,
        status: 'subscribed',
        subscribedAt: '2024-05-01T08:00:00.000Z',
      },
      {
        officialAccountAppid: appid,
        status: 'unsubscribed',
        subscribedAt: '2024-05-01T08:00:00.000Z',
        unsubscribedAt: '2024-05-01T08:01:00.000Z',
      },
    ]);
    for (const view of views) expect(SubscriptionViewSchema.parse(view)).toEqual(view);
  });

  it('hides an old unsubscribe time after a re-follow and omits unknown times', () => {
    const refollowed: FollowerState = {
      ...subscribedState,
      stateAt: T + 99,
      subscribedAt: T + 99,
      unsubscribedAt: T + 50,
    };
    expect(subscriptionView(appid, { userUnionid: 'u-1', follower: refollowed })).toEqual({
      officialAccountAppid: appid,
      status: 'subscribed',
      subscribedAt: new Date((T + 99) * 1000).toISOString(),
    });
    const onlyUnsub: FollowerState = {
      ...subscribedState,
      subscribed: false,
      subscribedAt: null,
      unsubscribedAt: null,
    };
    expect(subscriptionView(appid, { userUnionid: 'u-1', follower: onlyUnsub })).toEqual({
      officialAccountAppid: appid,
      status: 'unsubscribed',
    });
  });
});

describe('pushDedupKey', () => {
  it('keys messages by MsgId', () => {
    expect(
      pushDedupKey({
        MsgType: 'text',
        FromUserName: 'o-1',
        CreateTime: T,
        MsgId: '1234567890123456',
      }),
    ).toBe('msg:1234567890123456');
  });

  it('keys events by sender, time and lowercased event name', () => {
    expect(
      pushDedupKey({ MsgType: 'event', FromUserName: 'o-1', CreateTime: T, Event: 'SUBSCRIBE' }),
    ).toBe(`event:o-1:${T}:subscribe`);
    expect(
      pushDedupKey({ MsgType: 'event', FromUserName: 'o-1', CreateTime: T, Event: 'unsubscribe' }),
    ).toBe(`event:o-1:${T}:unsubscribe`);
  });

  it('distinguishes two events of one user in the same second, and retries collide', () => {
    const sub = pushDedupKey({
      MsgType: 'event',
      FromUserName: 'o-1',
      CreateTime: T,
      Event: 'subscribe',
    });
    const scan = pushDedupKey({
      MsgType: 'event',
      FromUserName: 'o-1',
      CreateTime: T,
      Event: 'SCAN',
    });
    const retry = pushDedupKey({
      MsgType: 'event',
      FromUserName: 'o-1',
      CreateTime: T,
      Event: 'subscribe',
    });
    expect(sub).not.toBe(scan);
    expect(sub).toBe(retry);
  });

  it('falls back to MsgType when there is neither MsgId nor Event', () => {
    expect(pushDedupKey({ MsgType: 'Text', FromUserName: 'o-1', CreateTime: T, MsgId: '' })).toBe(
      `event:o-1:${T}:text`,
    );
    expect(pushDedupKey({ MsgType: 'event', FromUserName: 'o-1', CreateTime: T, Event: '' })).toBe(
      `event:o-1:${T}:event`,
    );
  });
});

describe('maskPhone', () => {
  it.each([
    ['13800138000', '138****8000'],
    ['+8613800138000', '+86*******8000'],
    ['85291234567', '852****4567'],
    ['12345678', '123*5678'],
    ['1234567', '*******'],
    ['123', '***'],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(maskPhone(input)).toBe(expected);
  });

  it('keeps the length and reveals 7 characters only when at least one stays hidden', () => {
    for (let n = 0; n < 25; n += 1) {
      const phone = '9'.repeat(n);
      const masked = maskPhone(phone);
      expect(masked).toHaveLength(n);
      expect(masked.replace(/\*/g, '')).toHaveLength(n >= 8 ? 7 : 0);
    }
  });
});

describe('isAnonymousProfile', () => {
  it('recognises the placeholder profile', () => {
    expect(ANONYMOUS_NICKNAME).toBe('微信用户');
    expect(
      isAnonymousProfile({
        nickName: '微信用户',
        avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/grey/132',
      }),
    ).toBe(true);
    expect(isAnonymousProfile({ nickName: ' 微信用户 ', avatarUrl: '' })).toBe(true);
    expect(isAnonymousProfile({ nickName: '', avatarUrl: 'https://example.com/a.png' })).toBe(true);
    expect(isAnonymousProfile({ nickName: null, avatarUrl: null })).toBe(true);
    expect(isAnonymousProfile({})).toBe(true);
  });

  it('keeps real profiles', () => {
    expect(
      isAnonymousProfile({
        nickName: 'Band',
        avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/real/132',
      }),
    ).toBe(false);
    expect(isAnonymousProfile({ nickName: '微信用户2号', avatarUrl: '' })).toBe(false);
    expect(isAnonymousProfile({ nickName: 'Band' })).toBe(false);
  });
});
