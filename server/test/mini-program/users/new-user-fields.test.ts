/**
 * The login's upsert goes through the driver (sessions.ts), so the fields a
 * new user starts with are spelled out in newUserFields. Here they are held
 * to what mongoose itself writes for the same upsert with
 * `setDefaultsOnInsert`, on the test database: a default added to the schema
 * and not to newUserFields fails this test.
 */
import type mongoose from 'mongoose';
import type { Models } from '../../../src/models';
import { newUserFields } from '../../../src/mini-program/users/user.model';
import { connectModels } from '../../support/guarded-connection';

let conn: mongoose.Connection;
let models: Models;

beforeAll(async () => {
  ({ conn, models } = await connectModels('new_user_fields'));
});

afterAll(async () => {
  await conn.close();
});

const now = new Date('2026-12-01T00:00:00Z');
const loginSet = { lastLoginAt: now, lastLoginIp: '203.0.113.7', updatedAt: now };

/** The stored document without what differs by construction. */
async function stored(openid: string): Promise<Record<string, unknown>> {
  const doc = await models.User.collection.findOne({ miniOpenid: openid });
  if (doc === null) throw new Error(`no user ${openid}`);
  const { _id, miniOpenid, ...rest } = doc;
  expect(_id).toBeDefined();
  expect(miniOpenid).toBe(openid);
  return rest;
}

test('a new user written with newUserFields is the document mongoose would write', async () => {
  await models.User.findOneAndUpdate(
    { miniOpenid: 'by-mongoose' },
    {
      $set: loginSet,
      $inc: { loginCount: 1 },
      $setOnInsert: { miniOpenid: 'by-mongoose', createdAt: now },
    },
    { upsert: true, setDefaultsOnInsert: true },
  ).exec();
  await models.User.collection.findOneAndUpdate(
    { miniOpenid: 'by-driver' },
    {
      $set: loginSet,
      $inc: { loginCount: 1 },
      $setOnInsert: { ...newUserFields('by-driver', now), unionid: null },
    },
    { upsert: true },
  );
  const expected = await stored('by-mongoose');
  expect(Object.keys(expected).length).toBeGreaterThan(10);
  expect(await stored('by-driver')).toEqual(expected);
});

test('it leaves unionid to the caller, who sets it when code2Session gave one', () => {
  expect(newUserFields('o', now)).not.toHaveProperty('unionid');
});
