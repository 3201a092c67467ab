import mongoose from 'mongoose';
import { checkCommand, mongoGuardClientOptions, mongoGuardMode, type GuardRule } from '../src';
import { sameBsonValue, findDollarFields } from '../src/guard/documents';

const { ObjectId, Long, Decimal128 } = mongoose.mongo;

/** An `update` command with one statement, as the driver sends it. */
function update(q: unknown, u: unknown, extra: Record<string, unknown> = {}) {
  return checkCommand('update', { update: 'things', updates: [{ q, u, ...extra }] }, 'db');
}

function rules(violations: { rule: GuardRule }[]): GuardRule[] {
  return violations.map((v) => v.rule);
}

describe('checkCommand: bad writes', () => {
  it.each<[string, unknown, unknown, GuardRule, string[]]>([
    [
      '$set + $setOnInsert on one path',
      { k: 1 },
      { $set: { a: 1 }, $setOnInsert: { a: 2 } },
      'conflicting-paths',
      ['$set:a', '$setOnInsert:a'],
    ],
    [
      '$set + $inc on one path',
      { k: 1 },
      { $set: { a: 1 }, $inc: { a: 2 } },
      'conflicting-paths',
      ['$set:a', '$inc:a'],
    ],
    [
      'a parent and its child in one $set',
      { k: 1 },
      { $set: { 'a.b': 1, a: {} } },
      'conflicting-paths',
      ['$set:a.b', '$set:a'],
    ],
    [
      '$unset of a parent beside $set of a child',
      { k: 1 },
      { $unset: { a: '' }, $set: { 'a.b': 1 } },
      'conflicting-paths',
      ['$unset:a', '$set:a.b'],
    ],
    ['$set of a different _id', { _id: 1 }, { $set: { _id: 2 } }, 'immutable-id', ['$set:_id']],
    [
      '$set of _id without an _id filter',
      { k: 1 },
      { $set: { _id: 2 } },
      'immutable-id',
      ['$set:_id'],
    ],
    [
      '$set of part of _id',
      { _id: { a: 1 } },
      { $set: { '_id.a': 1 } },
      'immutable-id',
      ['$set:_id.a'],
    ],
    ['$unset of _id', { _id: 1 }, { $unset: { _id: '' } }, 'immutable-id', ['$unset:_id']],
    ['$inc of _id', { _id: 1 }, { $inc: { _id: 0 } }, 'immutable-id', ['$inc:_id']],
    [
      '$setOnInsert of an _id unlike the filter one',
      { _id: 1 },
      { $setOnInsert: { _id: 2 } },
      'immutable-id',
      ['$setOnInsert:_id'],
    ],
    ['$set of a $ field', { k: 1 }, { $set: { $bad: 1 } }, 'dollar-field', ['$set:$bad']],
    [
      '$set of a value holding a $ field',
      { k: 1 },
      { $set: { a: { b: [{ $x: 1 }] } } },
      'dollar-field',
      ['a.b.0.$x'],
    ],
    [
      '$addToSet $each of a $ document',
      { k: 1 },
      { $addToSet: { t: { $each: [{ $x: 1 }] } } },
      'dollar-field',
      ['t.$each.0.$x'],
    ],
    [
      'a replacement with a top-level $ field',
      { k: 1 },
      { k: 1, $bad: 1 },
      'dollar-field',
      ['$bad'],
    ],
    ['a replacement with another _id', { _id: 1 }, { _id: 2, a: 1 }, 'immutable-id', ['_id']],
    ['an empty path component', { k: 1 }, { $set: { 'a..b': 1 } }, 'empty-path', ['$set:a..b']],
    ['$push', { k: 1 }, { $push: { t: 1 } }, 'unsupported-update', ['$push']],
    ['$pull', { k: 1 }, { $pull: { t: 1 } }, 'unsupported-update', ['$pull']],
    ['$pop', { k: 1 }, { $pop: { t: 1 } }, 'unsupported-update', ['$pop']],
    ['$min', { k: 1 }, { $min: { n: 1 } }, 'unsupported-update', ['$min']],
    ['$max', { k: 1 }, { $max: { n: 1 } }, 'unsupported-update', ['$max']],
    ['$rename', { k: 1 }, { $rename: { n: 'm' } }, 'unsupported-update', ['$rename']],
    ['$mul', { k: 1 }, { $mul: { n: 2 } }, 'unsupported-update', ['$mul']],
    [
      '$currentDate',
      { k: 1 },
      { $currentDate: { d: true } },
      'unsupported-update',
      ['$currentDate'],
    ],
    ['positional $', { 't.k': 1 }, { $set: { 't.$.v': 1 } }, 'unsupported-update', ['$set:t.$.v']],
    [
      'all positional $[]',
      { k: 1 },
      { $set: { 't.$[]': 1 } },
      'unsupported-update',
      ['$set:t.$[]'],
    ],
    ['a pipeline update', { k: 1 }, [{ $set: { n: 1 } }], 'unsupported-update', ['pipeline']],
    ['an unknown operator', { k: 1 }, { $setx: { n: 1 } }, 'malformed-update', ['$setx']],
    ['a field beside operators', { k: 1 }, { $set: { n: 1 }, m: 2 }, 'malformed-update', ['m']],
    ['an operator over a non-document', { k: 1 }, { $set: 5 }, 'malformed-update', ['$set']],
  ])('%s', (_name, q, u, rule, paths) => {
    const violations = update(q, u);
    const match = violations.find((v) => v.rule === rule);
    expect(match).toMatchObject({ commandName: 'update', namespace: 'db.things', paths });
    expect(match?.message).toContain('db.things');
    for (const p of paths) expect(match?.message).toContain(p);
  });

  it('flags array filters as unsupported', () => {
    const violations = update({}, { $set: { 't.$[x].v': 1 } }, { arrayFilters: [{ 'x.k': 1 }] });
    expect(rules(violations)).toEqual(['unsupported-update', 'unsupported-update']);
  });

  it('checks every inserted document, top-level and nested, and names its index', () => {
    const violations = checkCommand(
      'insert',
      {
        insert: 'users',
        documents: [{ ok: 1 }, { $bad: 1 }, { a: { $b: 1 } }, { _id: { $x: 1 } }],
      },
      'app',
    );
    expect(violations.map((v) => [v.statement, v.paths])).toEqual([
      [1, ['$bad']],
      [2, ['a.$b']],
      [3, ['_id.$x']],
    ]);
    expect(violations[0]?.namespace).toBe('app.users');
  });

  it('checks findAndModify updates and MongoDB 8 client bulkWrite ops', () => {
    const fam = checkCommand(
      'findAndModify',
      {
        findAndModify: 'c',
        query: { k: 1 },
        update: { $set: { a: 1 }, $inc: { a: 1 } },
        upsert: true,
      },
      'db',
    );
    expect(rules(fam)).toEqual(['conflicting-paths']);
    const bulk = checkCommand(
      'bulkWrite',
      {
        bulkWrite: 1,
        nsInfo: [{ ns: 'db.a' }, { ns: 'db.b' }],
        ops: [
          { insert: 0, document: { ok: 1 } },
          { update: 1, filter: { _id: 1 }, updateMods: { $set: { _id: 2 } } },
          { insert: 1, document: { $x: 1 } },
        ],
      },
      'admin',
    );
    expect(bulk.map((v) => [v.rule, v.namespace, v.statement])).toEqual([
      ['immutable-id', 'db.b', 1],
      ['dollar-field', 'db.b', 2],
    ]);
  });
});

describe('checkCommand: good writes pass', () => {
  const oid = new ObjectId();
  it.each<[string, unknown, unknown]>([
    [
      '$setOnInsert of fields not in $set',
      { k: 1 },
      { $set: { a: 1 }, $setOnInsert: { b: 1, 'c.d': 2 } },
    ],
    ['$inc and $set on different paths', { k: 1 }, { $set: { a: 1 }, $inc: { n: 1 } }],
    ['$unset', { k: 1 }, { $unset: { a: '', 'b.c': '' } }],
    ['$addToSet, plain and $each', { k: 1 }, { $addToSet: { t: 'x', u: { $each: ['y', 'z'] } } }],
    ['dotted siblings a.b and a.c', { k: 1 }, { $set: { 'a.b': 1, 'a.c': 2, ab: 3 } }],
    ['an empty $set (a no-op since MongoDB 5.0)', { k: 1 }, { $set: {} }],
    [
      '$set of _id to the filter _id',
      { _id: oid },
      { $set: { _id: new ObjectId(oid.toHexString()), a: 1 } },
    ],
    ['$set of _id to the filter $eq _id', { _id: { $eq: 7 } }, { $set: { _id: 7 } }],
    [
      '$setOnInsert of _id when the filter does not pin it',
      { k: 1 },
      { $setOnInsert: { _id: oid } },
    ],
    ['$setOnInsert of the filter _id', { _id: 'u1' }, { $setOnInsert: { _id: 'u1', a: 1 } }],
    ['a replacement', { k: 1 }, { k: 1, a: { b: [1, { c: 2 }] }, when: new Date(0) }],
    ['a replacement keeping the filter _id', { _id: oid }, { _id: oid, a: 1 }],
    ['a replacement with _id and no _id filter (cannot be proved wrong)', { k: 1 }, { _id: 5 }],
    ['an empty replacement', { k: 1 }, {}],
    ['a DBRef', { k: 1 }, { $set: { ref: { $ref: 'users', $id: oid } } }],
    [
      'BSON values in $set',
      { k: 1 },
      { $set: { id: oid, n: Long.fromNumber(3), d: Decimal128.fromString('1.5') } },
    ],
  ])('%s', (_name, q, u) => {
    expect(update(q, u)).toEqual([]);
  });

  it('passes the upsert mongoose sends for findOneAndUpdate with setDefaultsOnInsert', () => {
    const command = {
      findAndModify: 'ms',
      query: { key: 'k' },
      update: {
        $setOnInsert: { createdAt: new Date(), __v: 0, a: 5, 'nested.x': 'q' },
        $set: { key: 'k', updatedAt: new Date() },
        $inc: { n: 1 },
      },
      upsert: true,
      new: true,
    };
    expect(checkCommand('findAndModify', command, 'db')).toEqual([]);
  });

  it('ignores removals, reads and other commands', () => {
    expect(
      checkCommand('findAndModify', { findAndModify: 'c', query: { $x: 1 }, remove: true }, 'db'),
    ).toEqual([]);
    expect(checkCommand('find', { find: 'c', filter: { $bad: 1 } }, 'db')).toEqual([]);
    expect(checkCommand('delete', { delete: 'c', deletes: [{ q: {}, limit: 0 }] }, 'db')).toEqual(
      [],
    );
  });
});

describe('BSON value helpers', () => {
  it('compares _id values the way MongoDB does, and only when it can prove equality', () => {
    const oid = new ObjectId();
    expect(sameBsonValue(oid, new ObjectId(oid.toHexString()))).toBe(true);
    expect(sameBsonValue(oid, new ObjectId())).toBe(false);
    expect(sameBsonValue(oid, oid.toHexString())).toBe(false);
    expect(sameBsonValue(1, Long.fromNumber(1))).toBe(true);
    expect(sameBsonValue(new Date(5), new Date(5))).toBe(true);
    expect(sameBsonValue({ a: 1, b: 2 }, { a: 1, b: 2 })).toBe(true);
    // MongoDB compares embedded documents field by field, in order.
    expect(sameBsonValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameBsonValue([1, 'x'], [1, 'x'])).toBe(true);
    expect(sameBsonValue(Decimal128.fromString('1.5'), Decimal128.fromString('1.5'))).toBe(true);
    expect(sameBsonValue(Decimal128.fromString('1.5'), Decimal128.fromString('2.5'))).toBe(false);
  });

  it('stops walking a large hostile document after a bounded number of findings', () => {
    const doc = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`$f${i}`, i]));
    expect(findDollarFields(doc, '')).toHaveLength(10);
    expect(findDollarFields({ a: [[{ b: { $c: 1 } }]] }, '')).toEqual(['a.0.0.b.$c']);
  });
});

describe('mongoGuardMode', () => {
  it('reads WXLINK_DB_GUARD, defaulting to throw under jest and off elsewhere', () => {
    expect(mongoGuardMode({ WXLINK_DB_GUARD: 'log' })).toBe('log');
    expect(mongoGuardMode({ WXLINK_DB_GUARD: ' OFF ', NODE_ENV: 'test' })).toBe('off');
    expect(mongoGuardMode({ NODE_ENV: 'test' })).toBe('throw');
    expect(mongoGuardMode({ NODE_ENV: 'production' })).toBe('off');
    expect(mongoGuardMode({})).toBe('off');
    expect(() => mongoGuardMode({ WXLINK_DB_GUARD: 'strict' })).toThrow(/throw, log, off/);
    expect(mongoGuardClientOptions('off')).toEqual({});
    expect(mongoGuardClientOptions('log')).toEqual({ monitorCommands: true });
  });
});
