/** tools/profile-summary.ts: where the measured load lies in a profile. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { measuredWindow, type CpuProfile } from '../tools/profile-summary';

/**
 * A profile sampled every millisecond, as V8's profiler does, from phases of
 * `[busy?, ms]`; a phase may be `['blip', ms]`: idle with 2 busy samples.
 */
function profileOf(phases: readonly (readonly [boolean | 'blip', number])[]): CpuProfile {
  const busy: boolean[] = [];
  for (const [kind, ms] of phases) {
    for (let i = 0; i < ms; i++) busy.push(kind === true || (kind === 'blip' && i < 2));
  }
  return {
    nodes: [
      { id: 1, callFrame: { functionName: '(idle)', url: '' } },
      { id: 2, callFrame: { functionName: 'work', url: 'file:///x/node_modules/y/index.js' } },
    ],
    samples: busy.map((b) => (b ? 2 : 1)),
    timeDeltas: busy.map((_, i) => (i === 0 ? 0 : 1_000)),
  };
}

void describe('measuredWindow', () => {
  void it('is the stretch after an idle gap of at least 700 ms', () => {
    const p = profileOf([
      [true, 300], // start-up
      [false, 400],
      [true, 300], // warm-up, after a short gap
      [false, 1000],
      [true, 500], // the load: samples 2000..2499
    ]);
    assert.deepEqual(measuredWindow(p), { start: 2000, end: 2500 });
  });

  void it('is the busiest such stretch, not a shutdown after a later gap', () => {
    const p = profileOf([
      [true, 300], // start-up and warm-up
      [false, 1000],
      [true, 600], // the load: samples 1300..1899
      [false, 900],
      [true, 100], // stopping the target, after another long gap
    ]);
    assert.deepEqual(measuredWindow(p), { start: 1300, end: 1900 });
  });

  void it('sees through blips of activity in the idle window', () => {
    // A log flush or a driver heartbeat every 300 ms: the gap before the
    // load is never 700 ms without a busy sample, and the load still is the
    // stretch (the earlier rule took the shutdown after it).
    const p = profileOf([
      [true, 1000],
      ['blip', 300],
      ['blip', 300],
      ['blip', 300],
      [true, 700], // the load: samples 1900..2599
      [false, 1000],
      [true, 100],
    ]);
    assert.deepEqual(measuredWindow(p), { start: 1900, end: 2600 });
  });

  void it('is the whole profile when no gap is long enough', () => {
    const p = profileOf([
      [true, 100],
      [false, 600],
      [true, 50],
    ]);
    assert.deepEqual(measuredWindow(p), { start: 0, end: 750 });
  });
});

void describe('profile-summary command line', () => {
  const tool = join(__dirname, '..', 'tools', 'profile-summary.js');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [tool, ...args], { encoding: 'utf8' });

  void it('answers --help and a missing file with one line and exit code 2, no stack trace', () => {
    const help = run('--help');
    assert.equal(help.status, 2);
    assert.match(help.stderr, /^usage: /);
    const missing = run(join(__dirname, 'no-such.cpuprofile'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^profile-summary: cannot read .*no-such\.cpuprofile: ENOENT/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
  });
});
