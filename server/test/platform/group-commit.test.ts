/**
 * The group commit's own rules (platform/group-commit.ts): what a caller is
 * told when the operation throws, forgets it, or answers it twice, and
 * perKey's one command per key with errors kept to their key. Queueing,
 * slots, limits and timeouts are tested through their first user, the
 * insert batcher (insert-batcher.test.ts).
 */
import {
  createGroupCommit,
  GroupTimeoutError,
  perKey,
  type GroupCommitOptions,
  type GroupMember,
} from '../../src/platform/group-commit';

const options = (over: Partial<GroupCommitOptions> = {}): GroupCommitOptions => ({
  what: 'tests',
  maxBatch: 100,
  maxInFlight: 1,
  maxQueued: 100,
  commandTimeoutMs: 5000,
  ...over,
});

type Member = GroupMember<string, string>;

/** Each caller's outcome: its value, or `error: <message>`. */
async function outcomes(promises: Promise<string>[]): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) =>
    s.status === 'fulfilled' ? s.value : `error: ${(s.reason as Error).message}`,
  );
}

test('callers made in one turn are one group, each answered on its own', async () => {
  const groups: string[][] = [];
  const call = createGroupCommit<string, string>((group) => {
    groups.push(group.map((m) => m.input));
    for (const m of group) m.resolve(m.input.toUpperCase());
    return Promise.resolve();
  }, options());
  expect(await Promise.all(['a', 'b', 'c'].map(call))).toEqual(['A', 'B', 'C']);
  expect(groups).toEqual([['a', 'b', 'c']]);
});

test('an operation that throws fails every caller it had not answered', async () => {
  const call = createGroupCommit<string, string>((group) => {
    group[0]!.resolve('first');
    return Promise.reject(new Error('connection reset'));
  }, options());
  expect(await outcomes(['a', 'b', 'c'].map(call))).toEqual([
    'first',
    'error: connection reset',
    'error: connection reset',
  ]);
});

test('a caller the operation forgets is failed, not left waiting', async () => {
  const call = createGroupCommit<string, string>((group) => {
    group[1]!.resolve('second');
    return Promise.resolve();
  }, options());
  expect(await outcomes(['a', 'b'].map(call))).toEqual([
    'error: the grouped operation left a caller unanswered',
    'second',
  ]);
});

test('a timed-out operation frees its slot, and its late answer changes nothing', async () => {
  let answerLate: (() => void) | undefined;
  const call = createGroupCommit<string, string>(
    async (group) => {
      if (group[0]!.input !== 'stuck') {
        for (const m of group) m.resolve('ok');
        return;
      }
      await new Promise<void>((resolve) => (answerLate = resolve));
      for (const m of group) m.resolve('late');
    },
    options({ commandTimeoutMs: 20 }),
  );
  const stuck = call('stuck').catch((e: unknown) => e);
  const err = await stuck;
  expect(err).toBeInstanceOf(GroupTimeoutError);
  expect((err as Error).message).toBe('the database did not answer tests within 20 ms');
  // One slot (maxInFlight 1), still held by the stuck operation: answered anyway.
  expect(await call('next')).toBe('ok');
  answerLate!();
  expect(await stuck).toBe(err);
});

describe('perKey', () => {
  test('one run per distinct key, with that key\u2019s members in arrival order', async () => {
    const runs: [string, string[]][] = [];
    const call = createGroupCommit<string, string>(
      perKey(
        (input) => input.split(':')[0]!,
        (key, members: Member[]) => {
          runs.push([key, members.map((m) => m.input)]);
          members.forEach((m, i) => m.resolve(`${key}#${i}`));
          return Promise.resolve();
        },
      ),
      options(),
    );
    const answers = await Promise.all(['x:1', 'y:1', 'x:2', 'x:3'].map(call));
    expect(answers).toEqual(['x#0', 'y#0', 'x#1', 'x#2']);
    expect(runs).toEqual([
      ['x', ['x:1', 'x:2', 'x:3']],
      ['y', ['y:1']],
    ]);
  });

  test("one key's failure reaches its own members only", async () => {
    const call = createGroupCommit<string, string>(
      perKey(
        (input) => input,
        (key, members: Member[]) => {
          if (key === 'bad') return Promise.reject(new Error('bad key'));
          for (const m of members) m.resolve('ok');
          return Promise.resolve();
        },
      ),
      options(),
    );
    expect(await outcomes(['good', 'bad', 'good', 'bad'].map(call))).toEqual([
      'ok',
      'error: bad key',
      'ok',
      'error: bad key',
    ]);
  });
});
