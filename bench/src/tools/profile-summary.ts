/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time grouped
 * by where the code lives (an npm package, a server or contracts module,
 * GC), largest first. Time in Node's internals and native code is charged to
 * the nearest caller that is a package or our code (so `JSON.stringify` under
 * pino counts as pino); start-up (module loading) is one bucket of its own. Used for the intake breakdown in
 * bench/README.md: `node dist/tools/profile-summary.js <file> [top]`.
 *
 * `--per-op <n>`: only the measured load, in ms of CPU per operation. The
 * HTTP benchmarks idle their target for 1 s just before the measured load
 * (the idle-CPU window), so the load is the busiest stretch after an idle
 * gap of at least MEASURED_GAP_US; start-up, warm-up and shutdown are left out.
 */
import { readFileSync } from 'node:fs';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The bucket a frame's self time is charged to. */
export function bucketOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  const ours = /\/(server|packages\/contracts|packages\/testkit|bench)\/(?:dist|src)\/(.*)$/.exec(
    url,
  );
  if (ours) return `${ours[1]}: ${ours[2]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0] ?? ''}`;
  return url;
}

const STARTUP = 'start-up (module loading)';

function isGeneric(bucket: string): boolean {
  return bucket.startsWith('node: ') || bucket === '(native)';
}

/** An idle stretch at least this long (µs) precedes the measured load. */
const MEASURED_GAP_US = 700_000;

/**
 * Activity is judged per bin of this many µs: a bin with fewer busy samples
 * than ACTIVE_BIN_SAMPLES counts as idle. A target is not silent while it
 * waits (a log flush, a driver heartbeat: 1–3 ms every few hundred ms), and
 * those blips must not break the idle window that precedes the load.
 */
const ACTIVITY_BIN_US = 100_000;
/** At the profiler's 1 ms interval: busy for at least 10 % of a bin. */
const ACTIVE_BIN_SAMPLES = 10;

/** Sample indexes `[start, end)` of the measured load. */
export interface SampleWindow {
  start: number;
  end: number;
}

interface Bin {
  /** Index of the bin's first sample. */
  first: number;
  busy: number;
}

/** Samples grouped by ACTIVITY_BIN_US of profile time, with their busy counts. */
function binsOf(profile: CpuProfile): Bin[] {
  const idle = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  const bins: Bin[] = [];
  let time = 0;
  profile.samples.forEach((id, i) => {
    time += profile.timeDeltas[i] ?? 0;
    const at = Math.floor(time / ACTIVITY_BIN_US);
    while (bins.length <= at) bins.push({ first: i, busy: 0 });
    if (!idle.has(id)) bins[at]!.busy += 1;
  });
  return bins;
}

/**
 * The measured load: of the stretches of activity that follow an idle gap of
 * at least MEASURED_GAP_US, the one with the most busy samples (the 1 s idle
 * window precedes the load; a shorter stretch after a later gap is the
 * target being stopped). Everything when no gap is long enough.
 */
export function measuredWindow(profile: CpuProfile): SampleWindow {
  const bins = binsOf(profile);
  const gapBins = Math.ceil(MEASURED_GAP_US / ACTIVITY_BIN_US);
  // The first stretch is start-up (and warm-up, if no long gap follows it).
  const stretches: { startBin: number; endBin: number; busy: number }[] = [];
  let idleRun = 0;
  bins.forEach((bin, b) => {
    if (bin.busy < ACTIVE_BIN_SAMPLES) {
      idleRun += 1;
      return;
    }
    const current = stretches.at(-1);
    if (current === undefined || idleRun >= gapBins) {
      stretches.push({ startBin: b, endBin: b + 1, busy: bin.busy });
    } else {
      current.endBin = b + 1;
      current.busy += bin.busy;
    }
    idleRun = 0;
  });
  const busiest = stretches
    .slice(1)
    .reduce<(typeof stretches)[number] | null>(
      (best, s) => (best === null || s.busy > best.busy ? s : best),
      null,
    );
  if (busiest === null) return { start: 0, end: profile.samples.length };
  return {
    start: bins[busiest.startBin]!.first,
    end: bins[busiest.endBin]?.first ?? profile.samples.length,
  };
}

function summarise(profile: CpuProfile, window: SampleWindow | null): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const chargedTo = (id: number): string => {
    const leaf = byId.get(id);
    if (!leaf) return '(unknown)';
    let charged: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame) break;
      if (frame.url.includes('internal/modules/cjs/loader')) return STARTUP;
      const bucket = bucketOf(frame);
      if (charged === undefined && !isGeneric(bucket)) charged = bucket;
    }
    return charged ?? bucketOf(leaf.callFrame);
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (window !== null && (i < window.start || i >= window.end)) return;
    const bucket = chargedTo(id);
    totals.set(bucket, (totals.get(bucket) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

/** The profile in `file`, or a one-line error and exit 2 (no stack trace for a typo). */
function readProfile(file: string): CpuProfile {
  try {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Partial<CpuProfile>;
    const { nodes, samples, timeDeltas } = profile;
    if (!Array.isArray(nodes) || !Array.isArray(samples) || !Array.isArray(timeDeltas)) {
      throw new Error('not a V8 CPU profile (no nodes, samples or timeDeltas)');
    }
    return profile as CpuProfile;
  } catch (err) {
    process.stderr.write(`profile-summary: cannot read ${file}: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

function main(argv: readonly string[]): void {
  const perOpAt = argv.indexOf('--per-op');
  const ops = perOpAt >= 0 ? Number(argv[perOpAt + 1]) : null;
  const [file, topArg] = argv.filter((_, i) => perOpAt < 0 || (i !== perOpAt && i !== perOpAt + 1));
  if (!file || file.startsWith('-') || (ops !== null && !(ops > 0))) {
    process.stderr.write(
      'usage: node dist/tools/profile-summary.js <file.cpuprofile> [top] [--per-op <operations>]\n',
    );
    process.exit(2);
  }
  const profile = readProfile(file);
  const totals = summarise(profile, ops === null ? null : measuredWindow(profile));
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  const startup = totals.get(STARTUP) ?? 0;
  const busy = all - (totals.get('(idle)') ?? 0) - startup;
  const skip = new Set(['(idle)', STARTUP]);
  const rows = [...totals.entries()].filter(([k]) => !skip.has(k)).sort((a, b) => b[1] - a[1]);
  const top = rows.slice(0, Number(topArg ?? 25));
  if (ops !== null) {
    process.stdout.write(`measured load: ${(busy / 1000 / ops).toFixed(2)} ms of CPU per op\n`);
    for (const [bucket, us] of top) {
      process.stdout.write(`${(us / 1000 / ops).toFixed(3).padStart(7)}  ${bucket}\n`);
    }
    return;
  }
  process.stdout.write(
    `busy ${(busy / 1000).toFixed(0)} ms after start-up (${(startup / 1000).toFixed(0)} ms) of ${(all / 1000).toFixed(0)} ms; shares of the busy time:\n`,
  );
  for (const [bucket, us] of top) {
    process.stdout.write(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${bucket}\n`);
  }
}

if (require.main === module) {
  // `… | head` closes the pipe early: that is the reader being done, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  main(process.argv.slice(2));
}
