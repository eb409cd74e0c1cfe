/**
 * Prints what a drill is doing as it does it: one line when a phase starts, throttled updates with counts while it
 * runs, one line with elapsed time and counts when it ends. Plain lines, so CI logs read the same as a terminal.
 */
export type Counts = Record<string, number | string>;

export interface ProgressSink {
  line(text: string): void;
}

export const consoleSink: ProgressSink = { line: (text) => process.stdout.write(text + "\n") };

function formatCounts(counts: Counts): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k}=${typeof v === "number" ? v.toLocaleString("en-US") : v}`)
    .join(" ");
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export class Progress {
  constructor(
    private readonly prefix: string,
    private readonly sink: ProgressSink = consoleSink,
    private readonly updateEveryMs = 2000,
  ) {}

  info(text: string): void {
    this.sink.line(`${this.prefix} ${text}`);
  }

  /** Starts a phase; call `update` freely (it throttles) and `done`/`failed` once. */
  phase(name: string): PhaseProgress {
    this.info(`▶ ${name}`);
    return new PhaseProgress(name, this, this.updateEveryMs);
  }
}

export class PhaseProgress {
  private readonly started = performance.now();
  private lastUpdate = this.started;

  constructor(
    readonly name: string,
    private readonly progress: Progress,
    private readonly updateEveryMs: number,
  ) {}

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  update(counts: Counts): void {
    const now = performance.now();
    if (now - this.lastUpdate < this.updateEveryMs) return;
    this.lastUpdate = now;
    this.progress.info(`  … ${this.name} ${formatMs(now - this.started)} ${formatCounts(counts)}`);
  }

  done(counts: Counts = {}): number {
    const ms = this.elapsedMs();
    this.progress.info(`✓ ${this.name} ${formatMs(ms)} ${formatCounts(counts)}`.trimEnd());
    return ms;
  }

  failed(reason: string): number {
    const ms = this.elapsedMs();
    this.progress.info(`✗ ${this.name} ${formatMs(ms)} ${reason}`);
    return ms;
  }
}
