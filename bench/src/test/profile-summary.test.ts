/** tools/profile-summary.ts: where the measured load starts in a profile. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measuredWindowStart, type CpuProfile } from '../tools/profile-summary';

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

void describe('measuredWindowStart', () => {
  void it('starts after the last idle stretch of at least 700 ms', () => {
    const p = profileOf([
      [true, 0], // start-up
      [false, 400_000],
      [true, 400_000], // warm-up, after a short gap
      [false, 500_000],
      [false, 500_000],
      [true, 200_000], // index 5: first sample of the load, 1.2 s after the last busy one
      [true, 1_000],
    ]);
    assert.equal(measuredWindowStart(p), 5);
  });

  void it('is 0 when no gap is long enough', () => {
    assert.equal(
      measuredWindowStart(
        profileOf([
          [true, 0],
          [false, 600_000],
          [true, 50_000],
        ]),
      ),
      0,
    );
  });
});
