/** sessions/session-key-history.ts: the pure rules over a user's stored session_keys. */
import fc from 'fast-check';
import {
  entriesToDrop,
  readSessionKeyHistory,
  SESSION_KEY_ENTRIES_BEFORE_DROP,
  sessionKeyEntries,
  sessionKeyField,
  type SessionKeyEntry,
} from '../../../src/mini-program/sessions/session-key-history';

const entries = (...list: [number, string][]): SessionKeyEntry[] =>
  list.map(([issuedAt, key]) => ({ issuedAt, key }));

describe('sessionKeyEntries', () => {
  it('reads `k<ms>` fields newest first and ignores anything else', () => {
    expect(sessionKeyEntries({ k100: 'A', k300: 'C', k200: 'B', other: 'x', k: 'y' })).toEqual(
      entries([300, 'C'], [200, 'B'], [100, 'A']),
    );
    expect(sessionKeyEntries(undefined)).toEqual([]);
    expect(sessionKeyEntries(new Map([['k100', 'A']]))).toEqual(entries([100, 'A']));
    expect(sessionKeyField(1733100000123)).toBe('k1733100000123');
  });
});

describe('readSessionKeyHistory', () => {
  it('has nothing to say without entries', () => {
    expect(readSessionKeyHistory([])).toBeNull();
  });

  it('takes the newest key as current and the one before as previous', () => {
    expect(readSessionKeyHistory(entries([300, 'C'], [200, 'B'], [100, 'A']))).toEqual({
      current: 'C',
      currentSince: 300,
      previous: 'B',
    });
  });

  it('treats the same key handed out again as one run: the grace counts from its first entry', () => {
    expect(readSessionKeyHistory(entries([300, 'B'], [200, 'B'], [100, 'A']))).toEqual({
      current: 'B',
      currentSince: 200,
      previous: 'A',
    });
    expect(readSessionKeyHistory(entries([200, 'B'], [100, 'B']))).toEqual({
      current: 'B',
      currentSince: 100,
      previous: null,
    });
  });
});

describe('entriesToDrop', () => {
  it('drops nothing up to SESSION_KEY_ENTRIES_BEFORE_DROP entries', () => {
    expect(SESSION_KEY_ENTRIES_BEFORE_DROP).toBe(4);
    expect(entriesToDrop(entries([400, 'D'], [300, 'C'], [200, 'B'], [100, 'A']))).toEqual([]);
  });

  it('then drops what is older than the previous key, and the middle of the current run', () => {
    expect(
      entriesToDrop(entries([500, 'E'], [400, 'D'], [300, 'C'], [200, 'B'], [100, 'A'])),
    ).toEqual(['k300', 'k200', 'k100']);
    expect(
      entriesToDrop(entries([500, 'B'], [400, 'B'], [300, 'B'], [200, 'A'], [100, 'Z'])),
    ).toEqual(['k400', 'k100']);
  });
});

/**
 * Logins write their entry, then drop what their snapshot (the state right
 * after their write) allows, possibly after later logins have written: the
 * drops of racing logins land in any order. Whatever the interleaving, a
 * reader must decide exactly what it would decide over every entry ever
 * written.
 */
describe('racing logins', () => {
  const login = fc.record({
    key: fc.constantFrom('A', 'B', 'C', 'D'),
    // How many later logins write before this login's drop lands.
    dropDelay: fc.nat({ max: 3 }),
  });

  it('never change what a reader decides, and leave at most four entries once settled', () => {
    fc.assert(
      fc.property(fc.array(login, { minLength: 1, maxLength: 14 }), (logins) => {
        const stored = new Map<string, string>();
        const everything: Record<string, string> = {};
        const pending: { dueAfter: number; fields: string[] }[] = [];
        const check = (): void => {
          const now = readSessionKeyHistory(sessionKeyEntries(Object.fromEntries(stored)));
          expect(now).toEqual(readSessionKeyHistory(sessionKeyEntries(everything)));
        };
        const applyDue = (written: number): void => {
          for (const drop of pending.filter((p) => p.dueAfter <= written)) {
            for (const field of drop.fields) stored.delete(field);
            pending.splice(pending.indexOf(drop), 1);
            check();
          }
        };
        logins.forEach(({ key, dropDelay }, i) => {
          const field = sessionKeyField(1000 + i);
          stored.set(field, key);
          everything[field] = key;
          check();
          const snapshot = sessionKeyEntries(Object.fromEntries(stored));
          pending.push({ dueAfter: i + dropDelay, fields: entriesToDrop(snapshot) });
          applyDue(i);
        });
        applyDue(Number.POSITIVE_INFINITY);
        // One more login without a race settles the map.
        const last = sessionKeyField(1000 + logins.length);
        stored.set(last, 'E');
        everything[last] = 'E';
        for (const f of entriesToDrop(sessionKeyEntries(Object.fromEntries(stored)))) {
          stored.delete(f);
        }
        check();
        expect(stored.size).toBeLessThanOrEqual(SESSION_KEY_ENTRIES_BEFORE_DROP);
      }),
      { numRuns: 500 },
    );
  });
});
