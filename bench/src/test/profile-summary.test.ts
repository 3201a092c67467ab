/** tools/profile-summary.ts: where the measured load lies in a profile. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measuredWindow, type CpuProfile } from '../tools/profile-summary';

/** A profile of samples `[busy?, µs since the previous sample]`. */
function profileOf(samples: readonly (readonly [boolean, number])[]): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: { functionName: '(idle)', url: '' } },
      { id: 2, callFrame: { functionName: 'work', url: 'file:///x/node_modules/y/index.js' } },
    ],
    samples: samples.map(([busy]) => (busy ? 2 : 1)),
    timeDeltas: samples.map(([, us]) => us),
  };
}

void describe('measuredWindow', () => {
  void it('is the stretch after an idle gap of at least 700 ms', () => {
    const p = profileOf([
      [true, 0], // start-up
      [false, 400_000],
      [true, 400_000], // warm-up, after a short gap
      [false, 500_000],
      [false, 500_000],
      [true, 200_000], // index 5: first sample of the load, 1.2 s after the last busy one
      [true, 1_000],
    ]);
    assert.deepEqual(measuredWindow(p), { start: 5, end: 7 });
  });

  void it('is the busiest such stretch, not a shutdown after a later gap', () => {
    const p = profileOf([
      [true, 0], // start-up and warm-up
      [false, 800_000],
      [true, 400_000], // index 2: the load, 1.2 s after the last busy sample
      [true, 1_000],
      [true, 1_000],
      [false, 900_000],
      [true, 300_000], // index 6: stopping the target, after another long gap
    ]);
    assert.deepEqual(measuredWindow(p), { start: 2, end: 6 });
  });

  void it('is the whole profile when no gap is long enough', () => {
    assert.deepEqual(
      measuredWindow(
        profileOf([
          [true, 0],
          [false, 600_000],
          [true, 50_000],
        ]),
      ),
      { start: 0, end: 3 },
    );
  });
});
