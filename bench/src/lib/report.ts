/**
 * Result tables. Every benchmark produces one or more `BenchTable`s; the same
 * Markdown is printed to stdout and appended to RESULTS.md, so what you see
 * is what gets recorded.
 */
export type RowRole = 'ours' | 'floor' | 'peer';

export interface Measurement {
  /** Operations (requests, decrypts, followers) completed in the measured window. */
  ops: number;
  opsPerSec: number;
  /** Latency percentiles in microseconds; undefined where latency is not per-operation (backfill). */
  p50Us?: number;
  p99Us?: number;
  /** CPU time (user + system) of the measured process per operation, microseconds. */
  cpuPerOpUs: number;
  peakRssBytes: number;
  /** Non-2xx answers or failed operations; anything above 0 is called out in the notes. */
  errors?: number;
  /**
   * Database commands the measured process sent per operation, counted on
   * its sockets to the database (lib/db-commands.ts); HTTP targets only.
   */
  dbCommandsPerOp?: number;
}

export interface ResultRow {
  name: string;
  role: RowRole;
  /** `ok` rows carry a measurement; the others say why there is none. */
  status: 'ok' | 'skipped' | 'n/a' | 'failed';
  measurement?: Measurement;
  /**
   * Ours ÷ this row's CPU/op as the table shows it, when the two were
   * measured in rounds: the median of the ratios of the same round
   * (lib/rounds.ts), not the ratio of two medians from different rounds.
   */
  cpuRatioToOurs?: number;
  note?: string;
}

export interface BenchTable {
  title: string;
  /** One line on what a single operation is and where CPU/RSS are measured. */
  description: string;
  rows: ResultRow[];
  notes: string[];
  /**
   * What went wrong beyond a row's status (answers without a stored document,
   * non-2xx answers, a leak): printed with the notes, and a --smoke run fails on any.
   */
  problems?: string[];
}

/** Why a table does not pass a smoke run: failed rows, errors, problems. Empty when it passes. */
export function tableFailures(table: BenchTable): string[] {
  const failures: string[] = [];
  for (const row of table.rows) {
    if (row.status === 'failed') failures.push(`${row.name}: ${row.note ?? 'failed'}`);
    if (row.status === 'ok' && (row.measurement?.errors ?? 0) > 0)
      failures.push(`${row.name}: ${row.measurement?.errors ?? 0} failed operations`);
    if (row.status === 'ok' && (row.measurement?.ops ?? 0) === 0)
      failures.push(`${row.name}: no operation completed`);
  }
  for (const problem of table.problems ?? []) failures.push(problem);
  return failures.map((f) => `${table.title}: ${f}`);
}

function fmtNumber(n: number, digits = 0): string {
  return n.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

export function fmtDuration(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return '—';
  if (us < 1) return `${fmtNumber(us * 1000, 0)} ns`;
  if (us < 1000) return `${fmtNumber(us, us < 10 ? 2 : 1)} µs`;
  if (us < 1_000_000) return `${fmtNumber(us / 1000, us < 10_000 ? 2 : 1)} ms`;
  return `${fmtNumber(us / 1_000_000, 2)} s`;
}

function fmtOps(n: number): string {
  return n >= 100 ? fmtNumber(n) : fmtNumber(n, 1);
}

function fmtMb(bytes: number): string {
  return `${fmtNumber(bytes / (1024 * 1024), 1)} MB`;
}

function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${fmtNumber(r, 2)}×` : '—';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * "ours ÷ this row": for throughput above 1 means we are faster, for CPU
 * per operation above 1 means we spend more CPU than this comparison.
 */
function ratioCells(row: ResultRow, ours: Measurement | undefined): [string, string] {
  if (row.role === 'ours' || !ours || !row.measurement) return ['—', '—'];
  return [
    fmtRatio(ours.opsPerSec / row.measurement.opsPerSec),
    fmtRatio(row.cpuRatioToOurs ?? ours.cpuPerOpUs / row.measurement.cpuPerOpUs),
  ];
}

export function renderTable(table: BenchTable): string {
  const ours = table.rows.find((row) => row.role === 'ours' && row.status === 'ok')?.measurement;
  const header =
    '| implementation | ops/s | p50 | p99 | CPU/op | peak RSS | ours ÷ this: ops/s | ours ÷ this: CPU/op | errors |';
  const rule = '|---|--:|--:|--:|--:|--:|--:|--:|--:|';
  const lines = [`### ${table.title}`, '', table.description, '', header, rule];
  for (const row of table.rows) {
    const label = escapeCell(row.role === 'ours' ? `**${row.name}**` : row.name);
    const m = row.measurement;
    if (row.status !== 'ok' || !m) {
      const why = escapeCell(`${row.status}${row.note ? `: ${row.note}` : ''}`);
      lines.push(`| ${label} | ${why} | | | | | | | |`);
      continue;
    }
    const [opsRatio, cpuRatio] = ratioCells(row, ours);
    lines.push(
      `| ${label} | ${fmtOps(m.opsPerSec)} | ${fmtDuration(m.p50Us)} | ${fmtDuration(m.p99Us)} | ` +
        `${fmtDuration(m.cpuPerOpUs)} | ${fmtMb(m.peakRssBytes)} | ${opsRatio} | ${cpuRatio} | ${fmtNumber(m.errors ?? 0)} |`,
    );
  }
  const rowNotes = table.rows
    .filter((row) => row.status === 'ok' && row.note)
    .map((row) => `- ${row.name}: ${row.note ?? ''}`);
  const commands = commandsNote(table.rows);
  const notes = [
    ...rowNotes,
    ...(commands ? [`- ${commands}`] : []),
    ...table.notes.map((note) => `- ${note}`),
    ...(table.problems ?? []).map((problem) => `- **problem:** ${problem}`),
  ];
  if (notes.length > 0) lines.push('', ...notes);
  return `${lines.join('\n')}\n`;
}

/**
 * "database commands per operation …: ours 2.50; floor 1.00", for the rows
 * that were counted; null when none was.
 */
function commandsNote(rows: readonly ResultRow[]): string | null {
  const counted = rows.flatMap((row) =>
    row.status === 'ok' && row.measurement?.dbCommandsPerOp !== undefined
      ? [`${row.name} ${fmtNumber(row.measurement.dbCommandsPerOp, 2)}`]
      : [],
  );
  if (counted.length === 0) return null;
  return `database commands per operation, counted on each server's own connections to the database during the measured load: ${counted.join('; ')}`;
}
