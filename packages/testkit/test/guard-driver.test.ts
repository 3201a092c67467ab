/**
 * The guard on a live client against the embedded database (or MONGODB_URI):
 * each bad write from issue 15 rejects before it is sent, naming the
 * collection and paths, and leaves the data untouched; good writes pass.
 */
import mongoose from 'mongoose';
import type { Collection, Document, MongoClient as MongoClientType } from 'mongodb';
import {
  attachMongoGuard,
  mongoGuardClientOptions,
  MongoGuardError,
  startEmbeddedMongo,
  takeGuardViolations,
  uniqueDbName,
  type MongoHandle,
} from '../src';

const { MongoClient } = mongoose.mongo;

let handle: MongoHandle;
let guarded: MongoClientType;
let plain: MongoClientType;
const dbName = uniqueDbName('guard');

beforeAll(async () => {
  handle = await startEmbeddedMongo();
  guarded = new MongoClient(handle.uri, mongoGuardClientOptions('throw'));
  attachMongoGuard(guarded, { mode: 'throw' });
  plain = new MongoClient(handle.uri);
  await Promise.all([guarded.connect(), plain.connect()]);
}, 30_000);

afterAll(async () => {
  await Promise.all([guarded?.close(), plain?.close()]);
  await handle?.stop();
});

afterEach(() => {
  takeGuardViolations();
});

let counter = 0;
/** A fresh collection seen through both clients, seeded with `{_id: 1, k: 1, s: 'str', n: 1}`. */
async function seeded(): Promise<{ good: Collection; raw: Collection; name: string }> {
  counter += 1;
  const name = `c${counter}`;
  const raw = plain.db(dbName).collection(name);
  await raw.insertOne({ _id: 1 as never, k: 1, s: 'str', n: 1 });
  return { good: guarded.db(dbName).collection(name), raw, name };
}

type Write = (c: Collection) => Promise<unknown>;

// The table, plus the operators the embedded database lacks.
const badWrites: [string, Write, string[]][] = [
  [
    '$set + $setOnInsert on one path (upsert)',
    (c) => c.updateOne({ k: 1 }, { $set: { a: 1 }, $setOnInsert: { a: 2 } }, { upsert: true }),
    ['$set:a', '$setOnInsert:a'],
  ],
  [
    '$set + $inc on one path',
    (c) => c.updateOne({ k: 1 }, { $set: { a: 1 }, $inc: { a: 2 } }),
    ['$set:a', '$inc:a'],
  ],
  [
    '$set of a.b beside a',
    (c) => c.updateOne({ k: 1 }, { $set: { 'a.b': 1, a: {} } }),
    ['$set:a.b', '$set:a'],
  ],
  [
    '$set of another _id',
    (c) => c.updateOne({ _id: 1 as never }, { $set: { _id: 2 } }),
    ['$set:_id'],
  ],
  ['insert of a top-level $ field', (c) => c.insertOne({ $bad: 1 }), ['$bad']],
  [
    'findOneAndUpdate with conflicting paths',
    (c) => c.findOneAndUpdate({ k: 1 }, { $set: { n: 1 }, $unset: { n: '' } }),
    ['$set:n', '$unset:n'],
  ],
  [
    'bulkWrite upsert with conflicting paths',
    (c) =>
      c.bulkWrite([
        {
          updateOne: {
            filter: { k: 2 },
            update: { $set: { a: 1 }, $setOnInsert: { 'a.b': 1 } },
            upsert: true,
          },
        },
      ]),
    ['$set:a', '$setOnInsert:a.b'],
  ],
  ['replaceOne with a $ field', (c) => c.replaceOne({ k: 1 }, { k: 1, a: { $x: 1 } }), ['a.$x']],
  ['$push', (c) => c.updateOne({ k: 1 }, { $push: { t: 1 } } as Document), ['$push']],
  ['$rename', (c) => c.updateOne({ k: 1 }, { $rename: { n: 'm' } }), ['$rename']],
  ['positional $', (c) => c.updateOne({ k: 1 }, { $set: { 't.$': 1 } }), ['$set:t.$']],
  ['a pipeline update', (c) => c.updateOne({ k: 1 }, [{ $set: { n: 5 } }]), ['pipeline']],
];

describe('attachMongoGuard in throw mode', () => {
  it.each(badWrites)(
    'rejects %s, naming the collection and paths, and sends nothing',
    async (_n, write, paths) => {
      const { good, raw, name } = await seeded();
      const error = await write(good).then(
        () => undefined,
        (err: unknown) => err,
      );
      // A collection's bulkWrite() wraps it in MongoBulkWriteError, which copies its fields.
      const wrapped = (error as Error).name === 'MongoBulkWriteError';
      expect(wrapped || error instanceof MongoGuardError).toBe(true);
      expect(error).toMatchObject({ rule: expect.any(String), violations: expect.any(Array) });
      const message = (error as Error).message;
      expect(message).toContain(`${dbName}.${name}`);
      for (const p of paths) expect(message).toContain(p);
      // The write never reached the database.
      expect(await raw.find({}).toArray()).toEqual([{ _id: 1, k: 1, s: 'str', n: 1 }]);
      expect(takeGuardViolations().length).toBeGreaterThan(0);
    },
  );

  it('passes the good writes, which the database then applies', async () => {
    const { good, raw } = await seeded();
    await good.updateOne({ k: 1 }, { $set: { a: 1 }, $setOnInsert: { b: 1 } }, { upsert: true });
    await good.updateOne({ k: 1 }, { $inc: { n: 2 }, $set: { 'o.x': 1, 'o.y': 2 } });
    await good.updateOne({ k: 1 }, { $unset: { s: '' }, $addToSet: { t: { $each: ['p', 'q'] } } });
    await good.updateOne({ _id: 1 as never }, { $set: { _id: 1, z: true } });
    await good.bulkWrite([
      {
        updateOne: {
          filter: { k: 2 },
          update: { $set: { a: 2 }, $setOnInsert: { _id: 2 } },
          upsert: true,
        },
      },
      {
        updateOne: {
          filter: { k: 3 },
          update: { $setOnInsert: { k: 3, _id: 3 } },
          upsert: true,
        },
      },
      { insertOne: { document: { _id: 4 as never, k: 4 } } },
    ]);
    await good.replaceOne({ k: 4 }, { k: 4, replaced: true });
    expect(await raw.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, k: 1, n: 3, a: 1, o: { x: 1, y: 2 }, t: ['p', 'q'], z: true },
      { _id: 2, k: 2, a: 2 },
      { _id: 3, k: 3 },
      { _id: 4, k: 4, replaced: true },
    ]);
    expect(takeGuardViolations()).toEqual([]);
  });

  it('fails a transaction that carries a bad write, and nothing of it commits', async () => {
    const { good, raw } = await seeded();
    const session = guarded.startSession();
    try {
      await expect(
        session.withTransaction(async () => {
          await good.updateOne({ k: 1 }, { $set: { ok: true } }, { session });
          await good.updateOne({ k: 1 }, { $set: { a: 1 }, $inc: { a: 1 } }, { session });
        }),
      ).rejects.toBeInstanceOf(MongoGuardError);
    } finally {
      await session.endSession();
    }
    expect(await raw.findOne({ k: 1 })).not.toHaveProperty('ok');
  });
});

describe('the embedded database without the guard', () => {
  // Documents the gap the guard closes; a real MongoDB (MONGODB_URI) rejects these.
  it.each(badWrites.slice(0, 5))('accepts %s', async (_n, write) => {
    if (handle.external) return;
    const { raw } = await seeded();
    await expect(write(raw)).resolves.toBeDefined();
  });

  it('rejects $set of s.x when s is a string by itself (MongoDB: 28 PathNotViable), so the guard need not', async () => {
    // The guard sees commands, not documents; this rule needs the stored
    // document, and the installed imitation enforces it (as its error 14).
    const { good, raw } = await seeded();
    await expect(good.updateOne({ k: 1 }, { $set: { 's.x': 1 } })).rejects.toThrow(/s\.x/);
    expect(await raw.findOne({ k: 1 })).toEqual({ _id: 1, k: 1, s: 'str', n: 1 });
    expect(takeGuardViolations()).toEqual([]);
  });
});

describe('log mode and set-up', () => {
  it('lets the write through, logs and records each violation', async () => {
    const lines: string[] = [];
    const client = new MongoClient(handle.uri, mongoGuardClientOptions('log'));
    const guard = attachMongoGuard(client, { mode: 'log', log: (line) => lines.push(line) });
    try {
      const coll = client.db(dbName).collection('logged');
      await coll.updateOne({ k: 1 }, { $set: { a: 1 }, $setOnInsert: { a: 2 } }, { upsert: true });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${dbName}.logged`);
      expect(takeGuardViolations().map((v) => v.rule)).toEqual(['conflicting-paths']);
      guard.detach();
      await coll.updateOne({ k: 1 }, { $set: { b: 1 }, $inc: { b: 1 } });
      expect(lines).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('refuses a client created without monitorCommands, which could not be guarded', () => {
    const client = new MongoClient(handle.uri);
    expect(() => attachMongoGuard(client, { mode: 'throw' })).toThrow(/monitorCommands/);
    expect(attachMongoGuard(client, { mode: 'off' }).mode).toBe('off');
  });
});
