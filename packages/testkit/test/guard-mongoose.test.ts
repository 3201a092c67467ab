/**
 * The guard on a mongoose connection, the way the server connects: the
 * writes mongoose builds (timestamps, setDefaultsOnInsert upserts, bulkWrite)
 * pass, and bad ones reject with MongoGuardError before reaching the database.
 */
import mongoose from 'mongoose';
import {
  assertNoGuardViolations,
  attachMongoGuard,
  mongoGuardClientOptions,
  MongoGuardError,
  startEmbeddedMongo,
  takeGuardViolations,
  uniqueDbName,
  type MongoHandle,
} from '../src';

let handle: MongoHandle;
let conn: mongoose.Connection;

const profileSchema = new mongoose.Schema(
  {
    key: { type: String, required: true, unique: true },
    nickname: { type: String, default: '微信用户' },
    visits: { type: Number, default: 0 },
    prefs: { theme: { type: String, default: 'light' }, lang: { type: String, default: 'zh_CN' } },
    tags: { type: [String], default: [] },
    extra: mongoose.Schema.Types.Mixed,
  },
  { timestamps: true },
);

let Profile: mongoose.Model<mongoose.InferSchemaType<typeof profileSchema>>;

beforeAll(async () => {
  handle = await startEmbeddedMongo();
  conn = mongoose.createConnection(handle.uri, {
    dbName: uniqueDbName('guard_mongoose'),
    autoCreate: false,
    ...mongoGuardClientOptions('throw'),
  });
  attachMongoGuard(conn.getClient(), { mode: 'throw' });
  await conn.asPromise();
  Profile = conn.model('Profile', profileSchema);
  await Profile.init();
}, 30_000);

afterAll(async () => {
  await conn?.close();
  await handle?.stop();
});

afterEach(() => {
  takeGuardViolations();
});

describe('guarded mongoose connection: good writes pass', () => {
  it('findOneAndUpdate upsert with setDefaultsOnInsert, $inc and $set', async () => {
    const options = { upsert: true, setDefaultsOnInsert: true, returnDocument: 'after' } as const;
    const first = await Profile.findOneAndUpdate(
      { key: 'u1' },
      { $set: { nickname: '小明' }, $inc: { visits: 1 } },
      options,
    );
    const second = await Profile.findOneAndUpdate(
      { key: 'u1' },
      { $set: { 'prefs.theme': 'dark' }, $inc: { visits: 1 } },
      options,
    );
    expect(first).toMatchObject({ key: 'u1', nickname: '小明', visits: 1 });
    expect(second).toMatchObject({ visits: 2, prefs: { theme: 'dark', lang: 'zh_CN' } });
    assertNoGuardViolations();
  });

  it('create, $setOnInsert beside $set, $unset, $addToSet, bulkWrite upserts, replaceOne', async () => {
    await Profile.create({ key: 'u2', extra: { nested: { ok: true } } });
    await Profile.updateOne(
      { key: 'u3' },
      { $set: { nickname: 'n' }, $setOnInsert: { visits: 10 } },
      { upsert: true },
    );
    await Profile.updateOne({ key: 'u2' }, { $unset: { extra: 1 }, $addToSet: { tags: 'a' } });
    await Profile.bulkWrite([
      { updateOne: { filter: { key: 'u4' }, update: { $set: { nickname: 'x' } }, upsert: true } },
      { updateOne: { filter: { key: 'u2' }, update: { $inc: { visits: 5 } }, upsert: true } },
      { insertOne: { document: { key: 'u5' } } },
    ]);
    await Profile.replaceOne({ key: 'u5' }, { key: 'u5', nickname: 'r' });
    const byKey = Object.fromEntries((await Profile.find().lean()).map((p) => [p.key, p]));
    expect(byKey.u2).toMatchObject({ tags: ['a'], visits: 5 });
    expect(byKey.u2).not.toHaveProperty('extra');
    expect(byKey.u3).toMatchObject({ nickname: 'n', visits: 10 });
    expect(byKey.u5).toMatchObject({ nickname: 'r' });
    assertNoGuardViolations();
  });
});

describe('guarded mongoose connection: bad writes reject', () => {
  it('$set and $inc of one path', async () => {
    await Profile.create({ key: 'b1' });
    await expect(
      Profile.updateOne({ key: 'b1' }, { $set: { visits: 1 }, $inc: { visits: 1 } }),
    ).rejects.toThrow(/conflicting-paths .*profiles.*\$inc:visits, \$set:visits/);
  });

  it("changing an existing document's _id", async () => {
    const doc = await Profile.create({ key: 'b2' });
    const error: unknown = await Profile.updateOne(
      { _id: doc._id },
      { $set: { _id: new mongoose.Types.ObjectId() } },
    ).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MongoGuardError);
    expect(error).toMatchObject({ rule: 'immutable-id', code: 66 });
    expect(await Profile.countDocuments({ _id: doc._id })).toBe(1);
  });

  it('a $ field stored through a Mixed path', async () => {
    await expect(Profile.create({ key: 'b3', extra: { $where: 'x' } })).rejects.toThrow(
      /dollar-field .*profiles.*extra\.\$where/,
    );
    expect(await Profile.countDocuments({ key: 'b3' })).toBe(0);
  });

  it('$push, which the embedded database lacks, even when MongoDB has it', async () => {
    await Profile.create({ key: 'b4' });
    await expect(Profile.updateOne({ key: 'b4' }, { $push: { tags: 'x' } })).rejects.toThrow(
      /embedded database lacks this: the \$push update operator/,
    );
  });

  it('records what it rejected, for an afterEach check', async () => {
    await Profile.updateOne({ key: 'b5' }, { $pull: { tags: 'x' } }).catch(() => undefined);
    expect(() => assertNoGuardViolations()).toThrow(/\$pull/);
    // The check clears the record.
    expect(() => assertNoGuardViolations()).not.toThrow();
  });
});
