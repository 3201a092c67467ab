/**
 * Grouped inserts (platform/insert-batcher.ts): concurrent inserts share a
 * command, a lone one leaves at once, and every caller gets its own
 * document's outcome: with a scripted collection for each of MongoDB's
 * answers, and on the test database (embedded, or MONGODB_URI).
 */
import { uniqueDbName } from '@wxlink/testkit';
import fc from 'fast-check';
import mongoose from 'mongoose';
import { mapError } from '../../src/http/errors';
import {
  createInsertBatcher,
  documentOutcomes,
  DocumentWriteError,
  failureOfGroup,
  InsertGroupError,
  type InsertTarget,
} from '../../src/platform/insert-batcher';
import {
  GroupQueueFullError,
  GroupTimeoutError,
  type GroupCommitOptions,
} from '../../src/platform/group-commit';
import { isDuplicateKeyError } from '../../src/platform/retry';
import { guardedConnection } from '../support/guarded-connection';

interface Doc {
  k: string;
}

type Answer = (docs: Doc[]) => Promise<unknown>;

/** A collection whose answers the test decides, recording every command. */
class ScriptedTarget implements InsertTarget<Doc> {
  readonly commands: { op: 'insertOne' | 'insertMany'; keys: string[] }[] = [];
  manyAnswer: Answer = () => Promise.resolve();
  oneAnswer: Answer = () => Promise.resolve();

  insertOne(doc: Doc): Promise<unknown> {
    this.commands.push({ op: 'insertOne', keys: [doc.k] });
    return this.oneAnswer([doc]);
  }

  insertMany(docs: Doc[]): Promise<unknown> {
    this.commands.push({ op: 'insertMany', keys: docs.map((d) => d.k) });
    return this.manyAnswer(docs);
  }
}

/** Lets the batcher's setImmediate run: what was queued so far leaves. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A promise the test settles by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const options = (over: Partial<GroupCommitOptions> = {}): GroupCommitOptions => ({
  what: 'inserts',
  maxBatch: 100,
  maxInFlight: 1,
  maxQueued: 1000,
  commandTimeoutMs: 5000,
  ...over,
});

/** A batcher whose first insert ('a') has been sent and is held unanswered until `release()`. */
async function firstInsertHeld(over: Partial<GroupCommitOptions>) {
  const target = new ScriptedTarget();
  const first = gate();
  target.oneAnswer = () => first.promise;
  const batcher = createInsertBatcher(target, options(over));
  const held = batcher.insert({ k: 'a' });
  await nextTurn();
  return { target, batcher, held, release: first.open };
}

/** Each caller's outcome: 'ok', or the error's code (or name). */
async function outcomes(promises: Promise<void>[]): Promise<(string | number)[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => {
    if (s.status === 'fulfilled') return 'ok';
    const err = s.reason as { code?: number; name?: string };
    return err.code ?? err.name ?? 'error';
  });
}

const docs = (...keys: string[]): Doc[] => keys.map((k) => ({ k }));

describe('grouping', () => {
  test('a lone insert is one insertOne, sent without waiting for company', async () => {
    const target = new ScriptedTarget();
    const batcher = createInsertBatcher(target, options());
    await batcher.insert({ k: 'a' });
    expect(target.commands).toEqual([{ op: 'insertOne', keys: ['a'] }]);
  });

  test('inserts made in the same turn travel in one command', async () => {
    const target = new ScriptedTarget();
    const batcher = createInsertBatcher(target, options());
    await Promise.all(docs('a', 'b', 'c').map((d) => batcher.insert(d)));
    expect(target.commands).toEqual([{ op: 'insertMany', keys: ['a', 'b', 'c'] }]);
  });

  test('inserts arriving while the slots are busy wait, then go together', async () => {
    const { target, batcher, held, release } = await firstInsertHeld({ maxInFlight: 1 });
    const rest = docs('b', 'c', 'd').map((d) => batcher.insert(d));
    await nextTurn();
    expect(target.commands).toHaveLength(1);
    release();
    await Promise.all([held, ...rest]);
    expect(target.commands).toEqual([
      { op: 'insertOne', keys: ['a'] },
      { op: 'insertMany', keys: ['b', 'c', 'd'] },
    ]);
  });

  test('a second slot takes the next arrivals while the first command is out', async () => {
    const target = new ScriptedTarget();
    const first = gate();
    target.oneAnswer = ([doc]) => (doc!.k === 'a' ? first.promise : Promise.resolve());
    const batcher = createInsertBatcher(target, options({ maxInFlight: 2 }));
    const a = batcher.insert({ k: 'a' });
    await nextTurn();
    await batcher.insert({ k: 'b' });
    expect(target.commands.map((c) => c.keys)).toEqual([['a'], ['b']]);
    first.open();
    await a;
  });

  test('no command carries more than maxBatch documents', async () => {
    const target = new ScriptedTarget();
    const batcher = createInsertBatcher(target, options({ maxBatch: 2, maxInFlight: 3 }));
    await Promise.all(docs('a', 'b', 'c', 'd', 'e').map((d) => batcher.insert(d)));
    expect(target.commands.map((c) => c.keys)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  test('past maxQueued an insert is refused at once, and the queued ones still land', async () => {
    const { target, batcher, held, release } = await firstInsertHeld({ maxQueued: 2 });
    const queued = [batcher.insert({ k: 'b' }), batcher.insert({ k: 'c' })];
    const refused: unknown = await batcher.insert({ k: 'd' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GroupQueueFullError);
    expect(mapError(refused).code).toBe('SERVICE_UNAVAILABLE');
    release();
    await Promise.all([held, ...queued]);
    expect(target.commands.flatMap((c) => c.keys)).toEqual(['a', 'b', 'c']);
  });

  test('every command is reported to onBatch with its size', async () => {
    const sizes: number[] = [];
    const batcher = createInsertBatcher(
      new ScriptedTarget(),
      options({ maxBatch: 2, maxInFlight: 2, onBatch: (n) => sizes.push(n) }),
    );
    await Promise.all(docs('a', 'b', 'c').map((d) => batcher.insert(d)));
    expect(sizes).toEqual([2, 1]);
  });
});

describe('each caller gets its own outcome', () => {
  const bulkError = (writeErrors: unknown, extra: object = {}) =>
    Object.assign(new Error('bulk'), { code: 11000, writeErrors, ...extra });

  test("a document MongoDB names fails alone; the others are in (MongoDB's unordered insert)", async () => {
    const target = new ScriptedTarget();
    target.manyAnswer = () =>
      Promise.reject(bulkError([{ index: 1, code: 11000, errmsg: 'E11000 dup key' }]));
    const batcher = createInsertBatcher(target, options());
    const result = await outcomes(docs('a', 'b', 'c').map((d) => batcher.insert(d)));
    expect(result).toEqual(['ok', 11000, 'ok']);
  });

  test('a refused document rejects with an Error whose code isDuplicateKeyError reads', async () => {
    const target = new ScriptedTarget();
    target.manyAnswer = () => Promise.reject(bulkError({ index: 0, code: 11000, errmsg: 'dup' }));
    const batcher = createInsertBatcher(target, options());
    const [a, b] = docs('a', 'b').map((d) => batcher.insert(d));
    const err: unknown = await a!.catch((e: unknown) => e);
    await b;
    expect(err).toBeInstanceOf(DocumentWriteError);
    expect(isDuplicateKeyError(err)).toBe(true);
  });

  test('a duplicate refusal naming no document: each is inserted alone for its own answer', async () => {
    const target = new ScriptedTarget();
    target.manyAnswer = () => Promise.reject(bulkError([]));
    target.oneAnswer = ([doc]) =>
      doc!.k === 'b'
        ? Promise.reject(Object.assign(new Error('dup'), { code: 11000 }))
        : Promise.resolve();
    const batcher = createInsertBatcher(target, options());
    const result = await outcomes(docs('a', 'b', 'c').map((d) => batcher.insert(d)));
    expect(result).toEqual(['ok', 11000, 'ok']);
    expect(target.commands.filter((c) => c.op === 'insertOne')).toHaveLength(3);
  });

  test('a reset connection fails every caller with the network error, which answers 503', async () => {
    // Driver 7 wraps it: a MongoBulkWriteError (a MongoServerError) around it.
    const reset = new mongoose.mongo.MongoNetworkError('connection reset');
    const target = new ScriptedTarget();
    target.manyAnswer = () =>
      Promise.reject(new mongoose.mongo.MongoBulkWriteError(reset, {} as never));
    const batcher = createInsertBatcher(target, options());
    const settled = await Promise.allSettled(docs('a', 'b').map((d) => batcher.insert(d)));
    expect(settled.map((s) => s.status === 'rejected' && s.reason === reset)).toEqual([true, true]);
    expect(mapError(reset).code).toBe('SERVICE_UNAVAILABLE');
  });

  test('a write-concern error beside duplicate write errors is no caller\'s "already stored"', async () => {
    const target = new ScriptedTarget();
    target.manyAnswer = () =>
      Promise.reject(bulkError([{ index: 0, code: 11000, errmsg: 'dup' }], { err: { code: 64 } }));
    const batcher = createInsertBatcher(target, options());
    const settled = await Promise.allSettled(docs('a', 'b').map((d) => batcher.insert(d)));
    for (const s of settled) {
      expect(s.status === 'rejected' && s.reason).toBeInstanceOf(InsertGroupError);
      expect(isDuplicateKeyError(s.status === 'rejected' && s.reason)).toBe(false);
    }
  });

  test('a command that does not answer gives up its slot; its callers get 503', async () => {
    const target = new ScriptedTarget();
    target.oneAnswer = ([doc]) => (doc!.k === 'stuck' ? new Promise(() => {}) : Promise.resolve());
    const batcher = createInsertBatcher(target, options({ maxInFlight: 1, commandTimeoutMs: 50 }));
    const stuck = batcher.insert({ k: 'stuck' });
    await nextTurn();
    const next = batcher.insert({ k: 'next' });
    const err: unknown = await stuck.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroupTimeoutError);
    expect(mapError(err).code).toBe('SERVICE_UNAVAILABLE');
    await expect(next).resolves.toBeUndefined();
  });

  test('a failing onBatch callback fails no insert', async () => {
    const batcher = createInsertBatcher(
      new ScriptedTarget(),
      options({
        onBatch: () => {
          throw new Error('metric broken');
        },
      }),
    );
    await expect(Promise.all(docs('a', 'b').map((d) => batcher.insert(d)))).resolves.toEqual([
      undefined,
      undefined,
    ]);
  });

  test('a failed command frees its slot: the next inserts still go', async () => {
    const target = new ScriptedTarget();
    target.oneAnswer = () => Promise.reject(new Error('down'));
    const batcher = createInsertBatcher(target, options({ maxInFlight: 1 }));
    await expect(batcher.insert({ k: 'a' })).rejects.toThrow('down');
    target.oneAnswer = () => Promise.resolve();
    await expect(batcher.insert({ k: 'b' })).resolves.toBeUndefined();
  });
});

describe('failureOfGroup', () => {
  test("unwraps the driver's MongoBulkWriteError around a driver error", () => {
    const cause = new mongoose.mongo.MongoServerSelectionError('no primary', {} as never);
    expect(failureOfGroup(new mongoose.mongo.MongoBulkWriteError(cause, {} as never))).toBe(cause);
  });

  test('never hands out a duplicate-key code to the whole group', () => {
    const dup = Object.assign(new Error('E11000'), { code: 11000 });
    expect(failureOfGroup(dup)).toBeInstanceOf(InsertGroupError);
    const plain = new Error('boom');
    expect(failureOfGroup(plain)).toBe(plain);
  });
});

describe('documentOutcomes', () => {
  test('per index, unlisted documents inserted', () => {
    const out = documentOutcomes({ code: 11000, writeErrors: [{ index: 2, code: 121 }] }, 3);
    expect(Array.isArray(out) && out.map((o) => o?.code ?? null)).toEqual([null, null, 121]);
  });

  test('one WriteError given as itself, not in an array', () => {
    const out = documentOutcomes({ writeErrors: { index: 0, code: 11000, errmsg: 'dup' } }, 2);
    expect(Array.isArray(out) && out.map((o) => o?.message ?? null)).toEqual(['dup', null]);
  });

  test('a duplicate refusal that names no document: each alone', () => {
    expect(documentOutcomes({ code: 11000 }, 2)).toBe('each-alone');
    expect(documentOutcomes({ code: 11000, writeErrors: [] }, 2)).toBe('each-alone');
  });

  test('anything it cannot place on a document fails them all', () => {
    expect(documentOutcomes(new Error('timeout'), 2)).toBe('all-failed');
    expect(documentOutcomes(null, 2)).toBe('all-failed');
    expect(documentOutcomes({ writeErrors: [{ index: 5, code: 11000 }] }, 2)).toBe('all-failed');
    expect(documentOutcomes({ writeErrors: [{ code: 11000 }] }, 2)).toBe('all-failed');
    const concern = {
      writeErrors: [{ index: 0, code: 1 }],
      result: { getWriteConcernError: () => ({ code: 64 }) },
    };
    expect(documentOutcomes(concern, 2)).toBe('all-failed');
  });
});

describe('on the test database', () => {
  let conn: mongoose.Connection;
  let inserts: { count: number };

  beforeAll(async () => {
    conn = guardedConnection(process.env.WXLINK_TEST_MONGODB_URI!, uniqueDbName('batcher'));
    await conn.asPromise();
    inserts = { count: 0 };
    // Command monitoring is on for the guard under jest; count insert commands.
    conn.getClient().on('commandStarted', (e) => {
      if (e.commandName === 'insert') inserts.count += 1;
    });
  });

  afterAll(async () => {
    await conn.close();
  });

  /** A fresh collection with a unique `k`. */
  async function collection(name: string) {
    const c = conn.collection<Doc>(name);
    await c.createIndex({ k: 1 }, { unique: true });
    return c;
  }

  test('inserts made together are one command, and all land', async () => {
    const c = await collection('grouped');
    const batcher = createInsertBatcher<Doc>(c, options({ maxInFlight: 1 }));
    const before = inserts.count;
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k) => batcher.insert({ k })));
    expect(await c.countDocuments()).toBe(40);
    expect(inserts.count - before).toBe(1);
  });

  test('with duplicates among and against stored ones, exactly one insert per key wins (property)', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 12 }),
        fc.subarray(['a', 'b', 'c']),
        async (keys, stored) => {
          const c = await collection(`prop${round++}`);
          if (stored.length > 0) await c.insertMany(stored.map((k) => ({ k })));
          const batcher = createInsertBatcher<Doc>(c, options({ maxInFlight: 1, maxBatch: 5 }));
          const result = await outcomes(keys.map((k) => batcher.insert({ k })));
          for (const key of new Set(keys)) {
            const mine = result.filter((_, i) => keys[i] === key);
            const wins = mine.filter((r) => r === 'ok').length;
            expect(wins).toBe(stored.includes(key) ? 0 : 1);
            expect(mine.filter((r) => r !== 'ok').every((r) => r === 11000)).toBe(true);
          }
          const inDb = (await c.find({}).toArray()).map((d) => d.k).sort();
          expect(inDb).toEqual([...new Set([...keys, ...stored])].sort());
        },
      ),
      { numRuns: 15 },
    );
  });
});
