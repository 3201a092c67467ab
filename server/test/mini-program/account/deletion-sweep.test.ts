/**
 * account/deletion-sweep.ts: tombstones older than DELETION_SETTLE_MS are
 * finished (dependents erased again, tombstone deleted), including those a
 * crash left between the steps of 注销; nothing else is touched.
 */
import { Types } from 'mongoose';
import {
  DELETION_SETTLE_MS,
  tombstoneOpenid,
} from '../../../src/mini-program/account/delete-account';
import {
  finishDeletions,
  startDeletionSweep,
} from '../../../src/mini-program/account/deletion-sweep';
import { eventually } from '../../official-account/linkage-support';
import { startTestServer, type TestServer } from '../../support/harness';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

const settledClock = { now: () => new Date(Date.now() + DELETION_SETTLE_MS + 1000) };

/** What 注销 writes first, and nothing after it: the state a crash between the steps leaves. */
async function tombstoneOnly(userId: string): Promise<void> {
  const id = new Types.ObjectId(userId);
  const res = await t.deps.models.User.updateOne(
    { _id: id },
    { $set: { deletedAt: new Date(), miniOpenid: tombstoneOpenid(id), unionid: null } },
  );
  expect(res.matchedCount).toBe(1);
}

async function left(userId: string) {
  const id = new Types.ObjectId(userId);
  return {
    users: await t.deps.models.User.countDocuments({ _id: id }),
    sessions: await t.deps.models.Session.countDocuments({ userId: id }),
    audits: await t.deps.models.LoginAudit.countDocuments({ userId: id }),
  };
}

test('a deletion a crash interrupted is finished once settled; live users are untouched', async () => {
  const crashed = await t.login();
  const live = await t.login();
  await tombstoneOnly(crashed.body.user.id);
  expect(await left(crashed.body.user.id)).toEqual({ users: 1, sessions: 1, audits: 1 });
  // Its token is already refused: the tombstone is as gone as a deleted user.
  expect((await t.api('GET', '/api/v1/me', undefined, crashed.token)).status).toBe(401);

  expect(await finishDeletions(t.deps)).toBe(0);
  expect(await left(crashed.body.user.id)).toEqual({ users: 1, sessions: 1, audits: 1 });

  expect(await finishDeletions({ ...t.deps, clock: settledClock })).toBe(1);
  expect(await left(crashed.body.user.id)).toEqual({ users: 0, sessions: 0, audits: 0 });
  expect(await left(live.body.user.id)).toEqual({ users: 1, sessions: 1, audits: 1 });
  expect((await t.api('GET', '/api/v1/me', undefined, live.token)).status).toBe(200);
});

test('the background sweep runs by itself', async () => {
  const gone = await t.login();
  expect((await t.api('DELETE', '/api/v1/me', undefined, gone.token)).status).toBe(204);
  expect((await left(gone.body.user.id)).users).toBe(1);
  const sweep = startDeletionSweep({ ...t.deps, clock: settledClock }, 50);
  try {
    await eventually(async () => (await left(gone.body.user.id)).users === 0);
  } finally {
    await sweep.stop();
  }
});
