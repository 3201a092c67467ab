/** lib/rounds.ts: medians over rounds, per-round ratios, and the round order. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Measurement } from '../lib/report';
import { renderTable } from '../lib/report';
import {
  measureInRounds,
  medianMeasurement,
  roundCpuRatios,
  roundRatiosNote,
  roundsOf,
} from '../lib/rounds';

const m = (cpuPerOpUs: number, opsPerSec = 100, extra: Partial<Measurement> = {}): Measurement => ({
  ops: 10,
  opsPerSec,
  p50Us: cpuPerOpUs * 10,
  p99Us: cpuPerOpUs * 20,
  cpuPerOpUs,
  peakRssBytes: cpuPerOpUs * 1000,
  errors: 0,
  ...extra,
});

void describe('medianMeasurement', () => {
  void it('takes each figure’s median, the largest RSS and the sums of ops and errors', () => {
    const out = medianMeasurement([
      m(3000, 300, { errors: 1 }),
      m(1000, 500),
      m(2000, 100, { peakRssBytes: 9e9 }),
    ]);
    assert.equal(out.cpuPerOpUs, 2000);
    assert.equal(out.opsPerSec, 300);
    assert.equal(out.p50Us, 20_000);
    assert.equal(out.peakRssBytes, 9e9);
    assert.equal(out.ops, 30);
    assert.equal(out.errors, 1);
  });

  void it('averages the middle two of an even count, and refuses none', () => {
    assert.equal(medianMeasurement([m(1000), m(3000)]).cpuPerOpUs, 2000);
    assert.throws(() => medianMeasurement([]));
  });
});

void describe('roundRatiosNote', () => {
  void it('lists ours ÷ this per round, and nothing for a single round', () => {
    const ratios = roundCpuRatios([m(3000), m(2400)], [m(2000), m(2400)]);
    assert.deepEqual(ratios, [1.5, 1]);
    assert.equal(roundRatiosNote(ratios), 'ours ÷ this CPU/op by round: 1.50×, 1.00×');
    assert.equal(roundRatiosNote(roundCpuRatios([m(3000)], [m(2000)])), undefined);
  });
});

void describe('measureInRounds', () => {
  void it('measures every target once per round, in order, and keeps a failed one out', async () => {
    const calls: string[] = [];
    const cpu: Record<string, number[]> = { ours: [3000, 2000, 2500], peer: [2000, 2000, 2500] };
    const rows = await measureInRounds(
      [
        { name: 'ours', role: 'ours' as const },
        { name: 'peer', role: 'peer' as const, note: 'does less' },
        { name: 'broken', role: 'peer' as const },
      ],
      3,
      (target, round) => {
        calls.push(`${target.name}${round}`);
        if (target.name === 'broken') return Promise.reject(new Error('would not start'));
        return Promise.resolve(m(cpu[target.name]?.[round] ?? 0));
      },
    );
    assert.deepEqual(calls, ['ours0', 'peer0', 'broken0', 'ours1', 'peer1', 'ours2', 'peer2']);
    assert.equal(rows[0]?.measurement?.cpuPerOpUs, 2500);
    assert.equal(rows[0]?.note, undefined);
    assert.equal(rows[1]?.note, 'does less; ours ÷ this CPU/op by round: 1.50×, 1.00×, 1.00×');
    // The table's ratio pairs rounds: the median of 1.50, 1.00, 1.00, not 2500 ÷ 2000 = 1.25.
    assert.equal(rows[1]?.cpuRatioToOurs, 1);
    const table = renderTable({ title: 't', description: 'd', rows, notes: [] });
    assert.match(table, /\| peer \|.*\| 1\.00× \| 0 \|/);
    assert.deepEqual(rows[2], {
      name: 'broken',
      role: 'peer',
      status: 'failed',
      note: 'would not start',
    });
  });

  void it('runs once in a smoke run, three times otherwise', () => {
    assert.equal(roundsOf('smoke'), 1);
    assert.equal(roundsOf('quick'), 3);
    assert.equal(roundsOf('full'), 3);
  });
});
