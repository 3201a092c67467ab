import { AppError } from '../../src/platform/errors';
import {
  CONFLICT,
  DEFAULT_CONFLICT_ATTEMPTS,
  hasOnlyDuplicateKeyErrors,
  isDuplicateKeyError,
  retryOnConflict,
} from '../../src/platform/retry';

const duplicate = (): Error => Object.assign(new Error('E11000 duplicate key'), { code: 11000 });

test('returns the first result that is not a conflict', async () => {
  const rounds: number[] = [];
  const result = await retryOnConflict('x', (round) => {
    rounds.push(round);
    return Promise.resolve(round < 2 ? CONFLICT : 'done');
  });
  expect(result).toBe('done');
  expect(rounds).toEqual([0, 1, 2]);
});

test('an E11000 counts as a lost race: read again', async () => {
  let calls = 0;
  const result = await retryOnConflict('x', () => {
    calls++;
    return calls === 1 ? Promise.reject(duplicate()) : Promise.resolve(calls);
  });
  expect(result).toBe(2);
});

test('other errors are not retried', async () => {
  let calls = 0;
  const boom = new Error('boom');
  await expect(
    retryOnConflict('x', () => {
      calls++;
      return Promise.reject(boom);
    }),
  ).rejects.toBe(boom);
  expect(calls).toBe(1);
});

test('gives up with WRITE_CONFLICT after the attempts, keeping the last duplicate as cause', async () => {
  let calls = 0;
  const err = await retryOnConflict('follower state', () => {
    calls++;
    return calls % 2 === 0 ? Promise.reject(duplicate()) : Promise.resolve(CONFLICT);
  }).catch((e: unknown) => e);
  expect(calls).toBe(DEFAULT_CONFLICT_ATTEMPTS);
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({
    code: 'WRITE_CONFLICT',
    message: 'follower state kept conflicting with concurrent writers',
  });
  expect(isDuplicateKeyError((err as Error).cause)).toBe(true);
});

test('duplicate-key detection, single and bulk', () => {
  expect(isDuplicateKeyError(duplicate())).toBe(true);
  expect(isDuplicateKeyError({ code: 11001 })).toBe(false);
  expect(isDuplicateKeyError(null)).toBe(false);
  expect(hasOnlyDuplicateKeyErrors({ writeErrors: [{ code: 11000 }, { code: 11000 }] })).toBe(true);
  expect(hasOnlyDuplicateKeyErrors({ writeErrors: [{ code: 11000 }, { code: 2 }] })).toBe(false);
  expect(hasOnlyDuplicateKeyErrors({ writeErrors: [] })).toBe(false);
});
