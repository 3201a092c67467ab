/** login/bench.ts checkEmptied: what a target that stores per login must have emptied after its warm-up. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEmptied } from '../login/bench';

const ours = { storesPerLogin: true, name: 'ours' } as const;
const floor = { storesPerLogin: false, name: 'floor' } as const;
const all = (sessions: number, loginAudits: number, rateLimitCounters: number) => ({
  sessions,
  loginAudits,
  rateLimitCounters,
});

void describe('checkEmptied', () => {
  void it('accepts a session and an audit entry per warm-up login, one counter from one address', () => {
    assert.equal(checkEmptied(ours, all(700, 700, 1), 700, 'one'), null);
  });

  void it('accepts a counter per warm-up login from an address each', () => {
    assert.equal(checkEmptied(ours, all(700, 700, 700), 700, 'distinct'), null);
  });

  void it('names what ours left behind or never stored', () => {
    assert.match(checkEmptied(ours, all(700, 0, 1), 700, 'one') ?? '', /emptied .*"loginAudits":0/);
    assert.match(checkEmptied(ours, all(699, 700, 1), 700, 'one') ?? '', /700 warm-up logins/);
    assert.match(checkEmptied(ours, all(700, 700, 1), 700, 'distinct') ?? '', /rateLimitCounters/);
    assert.match(checkEmptied(ours, null, 700, 'one') ?? '', /emptied null/);
  });

  void it('expects nothing from the floor, and refuses a floor that emptied something', () => {
    assert.equal(checkEmptied(floor, null, 700, 'one'), null);
    assert.match(checkEmptied(floor, all(1, 0, 0), 700, 'one') ?? '', /floor: emptied/);
  });
});
