/**
 * Prints what a drill is doing as it does it: one line when a phase starts, throttled updates with counts while it
 * runs, one line with elapsed time and counts when it ends. Plain lines, so CI logs read the same as a terminal.
 */
export type Counts = Record<string, number | string>;

export interface ProgressSink {
  line(text: string): void;
  /** A running update: redrawn in place on a terminal, a plain line elsewhere (CI logs). */
  update?(text: string): void;
  /** How often running updates are worth showing. */
  updateEveryMs?: number;
}

const plainSink: ProgressSink = { line: (text) => process.stdout.write(text + "\n"), updateEveryMs: 2000 };

/** On a terminal, the running update of the current phase stays on one line that is redrawn. */
function terminalSink(): ProgressSink {
  let live = false;
  const clear = () => live && process.stdout.write("\r\x1b[K");
  return {
    line(text) {
      clear();
      live = false;
      process.stdout.write(text + "\n");
    },
    update(text) {
      clear();
      live = true;
      process.stdout.write(text.slice(0, (process.stdout.columns ?? 120) - 1));
    },
    updateEveryMs: 250,
  };
}

export const consoleSink: ProgressSink = process.stdout.isTTY && !process.env.CI ? terminalSink() : plainSink;

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
  ) {}

  info(text: string): void {
    this.sink.line(`${this.prefix} ${text}`);
  }

  running(text: string): void {
    const line = `${this.prefix} ${text}`;
    if (this.sink.update) this.sink.update(line);
    else this.sink.line(line);
  }

  /** Starts a phase; call `update` freely (it throttles) and `done`/`failed` once. */
  phase(name: string): PhaseProgress {
    this.info(`▶ ${name}`);
    return new PhaseProgress(name, this, this.sink.updateEveryMs ?? 2000);
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
    this.progress.running(`  … ${this.name} ${formatMs(now - this.started)} ${formatCounts(counts)}`);
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
