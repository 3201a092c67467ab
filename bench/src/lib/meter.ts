/**
 * Measures the current process over a window: CPU time (user + system, from
 * process.cpuUsage) and peak RSS (sampled every few milliseconds while the
 * event loop is free, plus at start and stop).
 */
export interface MeterReading {
  cpuUs: number;
  wallMs: number;
  peakRssBytes: number;
}

export class Meter {
  private cpu0: NodeJS.CpuUsage | undefined;
  private t0 = 0n;
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  start(sampleEveryMs = 10): void {
    this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => this.sample(), sampleEveryMs);
    this.timer.unref();
    this.cpu0 = process.cpuUsage();
    this.t0 = process.hrtime.bigint();
  }

  /** Samples RSS now; call it from synchronous loops that starve the timer. */
  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }

  stop(): MeterReading {
    if (this.cpu0 === undefined) throw new Error('Meter.stop() before start()');
    const cpu = process.cpuUsage(this.cpu0);
    const wallMs = Number(process.hrtime.bigint() - this.t0) / 1e6;
    clearInterval(this.timer);
    this.sample();
    this.cpu0 = undefined;
    return { cpuUs: cpu.user + cpu.system, wallMs, peakRssBytes: this.peak };
  }
}
