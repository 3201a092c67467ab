/**
 * The runner's contract: --only runs exactly what it names, an unknown
 * benchmark is an error (exit 2 with the list), and a smoke run fails on any
 * failed row, error or consistency problem.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BENCHMARKS, CliError, parseCli, runSize } from '../lib/cli';
import { tableFailures, type BenchTable } from '../lib/report';

const RUN = path.join(__dirname, '..', 'run.js');

void describe('bench command line', () => {
  void it('--only keeps the named benchmarks in canonical order', () => {
    assert.deepEqual(parseCli(['--only', 'login,crypto']).only, ['crypto', 'login']);
    assert.deepEqual(parseCli(['--only=backfill', '--quick']).only, ['backfill']);
    assert.deepEqual(parseCli([]).only, BENCHMARKS);
  });

  void it('an unknown benchmark name is an error listing the known ones', () => {
    assert.throws(
      () => parseCli(['--only', 'crypto,intke']),
      (err: unknown) =>
        err instanceof CliError &&
        /unknown benchmark intke/.test(err.message) &&
        /crypto, intake, login, backfill/.test(err.message),
    );
  });

  void it('exits 2 on an unknown benchmark or flag, before running anything', () => {
    for (const args of [['--only', 'nope'], ['--fast']]) {
      const run = spawnSync(process.execPath, [RUN, ...args], { encoding: 'utf8' });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /usage: npm run bench/);
      assert.equal(run.stdout, '');
    }
  });

  void it('--smoke wins over --quick and cannot be written to RESULTS.md', () => {
    assert.equal(runSize(parseCli(['--quick', '--smoke'])), 'smoke');
    assert.equal(runSize(parseCli(['--quick'])), 'quick');
    assert.throws(() => parseCli(['--smoke', '--write']), CliError);
  });
});

void describe('smoke verdict of a table', () => {
  const table = (patch: Partial<BenchTable>): BenchTable => ({
    title: 'T',
    description: '',
    notes: [],
    rows: [
      {
        name: 'ours',
        role: 'ours',
        status: 'ok',
        measurement: { ops: 5, opsPerSec: 1, cpuPerOpUs: 1, peakRssBytes: 1, errors: 0 },
      },
      { name: 'peer', role: 'peer', status: 'n/a', note: 'none exists' },
    ],
    ...patch,
  });

  void it('passes a table whose rows all worked', () => {
    assert.deepEqual(tableFailures(table({})), []);
  });

  void it('fails a failed row, a row with errors or no operation, and any problem', () => {
    const failed = table({ rows: [{ name: 'x', role: 'ours', status: 'failed', note: 'boom' }] });
    assert.deepEqual(tableFailures(failed), ['T: x: boom']);
    const m = { ops: 5, opsPerSec: 1, cpuPerOpUs: 1, peakRssBytes: 1, errors: 2 };
    const errors = table({ rows: [{ name: 'x', role: 'ours', status: 'ok', measurement: m }] });
    assert.deepEqual(tableFailures(errors), ['T: x: 2 failed operations']);
    const none = { ...m, ops: 0, errors: 0 };
    const empty = table({ rows: [{ name: 'x', role: 'ours', status: 'ok', measurement: none }] });
    assert.deepEqual(tableFailures(empty), ['T: x: no operation completed']);
    assert.deepEqual(tableFailures(table({ problems: ['3 answered, 2 stored'] })), [
      'T: 3 answered, 2 stored',
    ]);
  });
});
