/**
 * The one lease primitive (platform/lease.ts) on the test database (the
 * embedded one, or MONGODB_URI): exclusive while held, free once released or
 * expired, and a stalled holder learns it lost the lease.
 */
import { uniqueDbName } from '@wxlink/testkit';
import type mongoose from 'mongoose';
import { Schema } from 'mongoose';
import { AppError } from '../../src/platform/errors';
import {
  claimLease,
  isLeaseFree,
  releaseLease,
  renewLease,
  takeLease,
} from '../../src/platform/lease';
import { guardedConnection } from '../support/guarded-connection';

interface Job {
  name: string;
  runs: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

let conn: mongoose.Connection;
let Jobs: mongoose.Model<Job>;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(t0.getTime() + ms);
const claim = (name: string, owner: string, now: Date, durationMs = 1000) =>
  claimLease(
    Jobs,
    { name },
    { now, owner, until: new Date(now.getTime() + durationMs), create: { runs: 0 } },
  );

beforeAll(async () => {
  conn = guardedConnection(process.env.WXLINK_TEST_MONGODB_URI!, uniqueDbName('lease'));
  await conn.asPromise();
  const schema = new Schema<Job>(
    {
      name: { type: String, required: true, unique: true },
      runs: { type: Number, required: true },
      leaseOwner: { type: String, default: null },
      leaseUntil: { type: Date, default: null },
    },
    { collection: 'jobs', autoCreate: false, strict: 'throw', versionKey: false },
  );
  Jobs = conn.model<Job>('Job', schema);
  await Jobs.init();
});
afterAll(() => conn.close());

test('isLeaseFree: never taken, released, or expired', () => {
  expect(isLeaseFree({ leaseOwner: null, leaseUntil: null }, t0)).toBe(true);
  expect(isLeaseFree({ leaseOwner: 'a', leaseUntil: at(1) }, t0)).toBe(false);
  expect(isLeaseFree({ leaseOwner: 'a', leaseUntil: t0 }, t0)).toBe(true);
  expect(isLeaseFree({}, t0)).toBe(true);
});

test('the first claim creates the document with the lease held; a second claimer is told who holds it', async () => {
  const first = await claim('create', 'a', t0);
  expect(first).toMatchObject({
    claimed: true,
    created: true,
    record: { name: 'create', leaseOwner: 'a', runs: 0 },
  });
  const second = await claim('create', 'b', at(10));
  expect(second).toEqual({ claimed: false, owner: 'a', until: at(1000) });
});

test('of many concurrent claimers exactly one wins', async () => {
  await claim('race', 'seed', t0, 1); // created, expired at t0+1
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => claim('race', `c${i}`, at(5))),
  );
  const winners = results.filter((r) => r.claimed);
  expect(winners).toHaveLength(1);
  const doc = await Jobs.findOne({ name: 'race' }).lean();
  expect(doc?.leaseOwner).toBe((winners[0] as { record: Job }).record.leaseOwner);
});

test('released or expired, the lease can be taken again', async () => {
  await claim('cycle', 'a', t0);
  expect(await releaseLease(Jobs, { name: 'cycle' }, 'a', { runs: 1 })).toBe(true);
  expect(await claim('cycle', 'b', at(10))).toMatchObject({ claimed: true, record: { runs: 1 } });
  // b stalls past its lease: c takes over.
  expect(await claim('cycle', 'c', at(2000))).toMatchObject({
    claimed: true,
    record: { leaseOwner: 'c' },
  });
});

test('a holder that lost its lease cannot renew it or release it, and learns why', async () => {
  await claim('stale', 'a', t0);
  await claim('stale', 'b', at(5000));
  const err = await renewLease(Jobs, { name: 'stale' }, 'a', at(6000)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('LEASE_LOST');
  expect(await releaseLease(Jobs, { name: 'stale' }, 'a')).toBe(false);
  expect((await Jobs.findOne({ name: 'stale' }).lean())?.leaseOwner).toBe('b');
  await renewLease(Jobs, { name: 'stale' }, 'b', at(9000), { runs: 2 });
  expect(await Jobs.findOne({ name: 'stale' }).lean()).toMatchObject({
    runs: 2,
    leaseUntil: at(9000),
  });
});

test('takeLease is a compare-and-set on what was read, guard fields included', async () => {
  await Jobs.create({ name: 'cas', runs: 3, leaseOwner: null, leaseUntil: null });
  const read = (await Jobs.findOne({ name: 'cas' }).lean())!;
  const opts = { owner: 'x', until: at(100), inc: { runs: 1 }, guard: { runs: 3 } };
  expect(await takeLease(Jobs, { name: 'cas' }, read, opts)).toBe(true);
  // The same read again: the lease fields no longer match.
  expect(await takeLease(Jobs, { name: 'cas' }, read, { ...opts, owner: 'y' })).toBe(false);
  expect(await Jobs.findOne({ name: 'cas' }).lean()).toMatchObject({ runs: 4, leaseOwner: 'x' });
});
