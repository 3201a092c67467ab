/**
 * Linkage-event delivery retries with full jitter drawn from deps.random:
 * events that failed together (the receiver was down) get different retry
 * times, each within its backoff window, so they do not retry in lock-step.
 */
import type mongoose from 'mongoose';
import pino from 'pino';
import { loadConfig } from '../../../src/config';
import { createMetrics } from '../../../src/platform/metrics';
import { fullJitterDelayMs } from '../../../src/platform/backoff';
import type { Models } from '../../../src/models';
import { startLinkageDelivery } from '../../../src/official-account/linkage-events/delivery';
import { connectModels } from '../../support/guarded-connection';
import { seededRandom } from '../../support/seeded-random';
import { eventually } from '../linkage-support';

let conn: mongoose.Connection;
let models: Models;
beforeAll(async () => {
  ({ conn, models } = await connectModels('delivery'));
});
afterAll(() => conn.close());

/** Time stands still, so each stored retry time minus `now` is exactly the delay drawn. */
const now = new Date('2026-03-01T00:00:00Z');
const EVENTS = 8;
const backoff = { backoffBaseMs: 60_000, backoffMaxMs: 600_000 };

test('events failing together retry at different times, each within its window', async () => {
  const order: string[] = []; // the events as delivery tried them
  for (let i = 0; i < EVENTS; i++) {
    await models.LinkageOutbox.create({
      eventId: `lnk_jitter_${i}`,
      type: 'user.followed',
      userId: `user-${i}`,
      appid: 'wxjitter',
      at: now,
      status: 'pending',
      attempts: i < EVENTS / 2 ? 0 : 3, // half on their first try, half on their fourth
      nextAttemptAt: now,
      createdAt: now,
    });
  }
  const delivery = startLinkageDelivery(
    {
      models,
      db: conn,
      clock: { now: () => now },
      random: seededRandom('delivery-jitter'),
      logger: pino({ level: 'silent' }),
      metrics: createMetrics({ defaultMetrics: false }),
      config: loadConfig({}, 'development'),
    },
    {
      ...backoff,
      pollIntervalMs: 20,
      handlers: [
        (_deps, event) => {
          order.push(event.id);
          return Promise.reject(new Error('receiver down'));
        },
      ],
    },
  );
  const failed = await eventually(async () => {
    const items = await models.LinkageOutbox.find({ lastError: { $ne: null } }).lean();
    return items.length === EVENTS ? items : undefined;
  });
  await delivery.stop();

  const delays = failed.map((item) => ({
    attempts: item.attempts,
    ms: item.nextAttemptAt.getTime() - now.getTime(),
  }));
  for (const { attempts, ms } of delays) {
    const window = attempts === 1 ? 60_000 : 480_000; // 60 s · 2^(attempts − 1)
    expect([attempts, ms >= 0 && ms <= window]).toEqual([attempts, true]);
  }
  expect(delays.filter((d) => d.attempts === 4)).toHaveLength(EVENTS / 2);
  expect(new Set(delays.map((d) => d.ms)).size).toBe(EVENTS);
  // Drawn from deps.random, one draw per failure in the order they failed.
  const random = seededRandom('delivery-jitter');
  const options = { baseMs: backoff.backoffBaseMs, maxMs: backoff.backoffMaxMs };
  expect(order).toHaveLength(EVENTS);
  for (const eventId of order) {
    const item = failed.find((f) => f.eventId === eventId)!;
    const ms = item.nextAttemptAt.getTime() - now.getTime();
    expect([eventId, ms]).toEqual([eventId, fullJitterDelayMs(item.attempts, options, random)]);
  }
});
