/**
 * The one claim-due-item primitive (platform/due-claim.ts) on the test
 * database (the embedded one, or MONGODB_URI): the oldest due item with a
 * free lease is claimed, its attempt counted; leased and not-yet-due items
 * are left alone; of many racing claimers each item goes to exactly one.
 */
import { uniqueDbName } from '@wxlink/testkit';
import type mongoose from 'mongoose';
import { Schema } from 'mongoose';
import { claimDueItem, DUE_CANDIDATES } from '../../src/platform/due-claim';
import { guardedConnection } from '../support/guarded-connection';

interface Task {
  name: string;
  status: 'pending' | 'running' | 'done';
  attempts: number;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

let conn: mongoose.Connection;
let Tasks: mongoose.Model<Task>;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(t0.getTime() + ms);

/** Pending and due, or running with an expired lease (the inbox's rule). */
const dueAt = (now: Date) => ({
  $or: [
    { status: 'pending', nextAttemptAt: { $lte: now } },
    { status: 'running', leaseUntil: { $lt: now } },
  ],
});
const claim = (owner: string, now: Date) =>
  claimDueItem(Tasks, { due: dueAt(now), now, owner, leaseMs: 1000, set: { status: 'running' } });

const addTask = (name: string, fields: Partial<Task> = {}) =>
  Tasks.create({
    name,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: t0,
    leaseOwner: null,
    leaseUntil: null,
    ...fields,
  });

beforeAll(async () => {
  conn = guardedConnection(process.env.WXLINK_TEST_MONGODB_URI!, uniqueDbName('due-claim'));
  await conn.asPromise();
  const schema = new Schema<Task>(
    {
      name: { type: String, required: true, unique: true },
      status: { type: String, enum: ['pending', 'running', 'done'], required: true },
      attempts: { type: Number, required: true },
      nextAttemptAt: { type: Date, required: true },
      leaseOwner: { type: String, default: null },
      leaseUntil: { type: Date, default: null },
    },
    { collection: 'tasks', autoCreate: false, strict: 'throw', versionKey: false },
  );
  Tasks = conn.model<Task>('Task', schema);
  await Tasks.init();
});
afterAll(() => conn.close());
beforeEach(() => Tasks.deleteMany({}));

test('claims the oldest due item: lease, `set` and the counted attempt in one write', async () => {
  await addTask('newer', { nextAttemptAt: at(-10) });
  await addTask('older', { nextAttemptAt: at(-20), attempts: 2 });
  await addTask('later', { nextAttemptAt: at(5000) });
  const claimed = await claim('a', t0);
  expect(claimed).toMatchObject({
    name: 'older',
    status: 'running',
    attempts: 3,
    leaseOwner: 'a',
    leaseUntil: at(1000),
  });
  // What the claim returns is what is stored.
  const stored = await Tasks.findOne({ name: 'older' }).lean();
  expect(stored).toEqual(claimed);
});

test('leased and not-yet-due items are left alone; none due gives null', async () => {
  await addTask('leased', { leaseOwner: 'x', leaseUntil: at(500) });
  await addTask('not-due', { nextAttemptAt: at(100) });
  expect(await claim('a', t0)).toBeNull();
  expect(await Tasks.findOne({ name: 'leased' }).lean()).toMatchObject({
    leaseOwner: 'x',
    attempts: 0,
  });
  // Once due, it is claimed.
  expect(await claim('a', at(100))).toMatchObject({ name: 'not-due', leaseOwner: 'a' });
});

test('an item whose holder stalled past its lease is claimed again, its attempt counted', async () => {
  await addTask('stalled');
  expect(await claim('crashed', t0)).toMatchObject({ attempts: 1 });
  expect(await claim('b', at(999))).toBeNull();
  expect(await claim('b', at(1001))).toMatchObject({
    name: 'stalled',
    attempts: 2,
    leaseOwner: 'b',
  });
});

test('of many racing claimers each item goes to exactly one', async () => {
  const items = DUE_CANDIDATES - 3;
  for (let i = 0; i < items; i++) await addTask(`race-${i}`);
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => claim(`c${i}`, t0)));
  const won = results.filter((r) => r !== null);
  expect(won).toHaveLength(items);
  expect(new Set(won.map((r) => r.name)).size).toBe(items);
  const stored = await Tasks.find({}).lean();
  expect(stored.every((doc) => doc.attempts === 1 && doc.status === 'running')).toBe(true);
  // Each holder is the one its claim says.
  for (const r of won) expect(stored.find((d) => d.name === r.name)?.leaseOwner).toBe(r.leaseOwner);
});

test('an item another instance claimed and finished between the read and the claim stays finished', async () => {
  await addTask('finished-meanwhile');
  const find = Tasks.find.bind(Tasks);
  const spy = jest.spyOn(Tasks, 'find').mockImplementationOnce(((
    ...args: Parameters<typeof find>
  ) => {
    const query = find(...args);
    const exec = query.exec.bind(query);
    query.exec = async () => {
      const read = await exec();
      // Meanwhile: claimed, handled and released elsewhere; the lease fields are as read again.
      await Tasks.updateOne(
        { name: 'finished-meanwhile' },
        { $set: { status: 'done' }, $inc: { attempts: 1 } },
      );
      return read;
    };
    return query;
  }) as never);
  expect(await claim('late', t0)).toBeNull();
  spy.mockRestore();
  expect(await Tasks.findOne({ name: 'finished-meanwhile' }).lean()).toMatchObject({
    status: 'done',
    attempts: 1,
    leaseOwner: null,
  });
});
