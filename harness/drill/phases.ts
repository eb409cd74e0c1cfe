import type { DrillClock } from "../clock.ts";
import type { PhaseRecord } from "../evidence.ts";
import type { Counts, PhaseProgress, Progress } from "../progress.ts";

/** The run was interrupted (Ctrl-C, SIGTERM): the drill stops where it is and says so. */
export class Interrupted extends Error {}

/** A phase failed for a reason that is not a finding about the backup: dr-drill, Docker, a time-out. */
export class PhaseError extends Error {
  constructor(
    readonly phase: string,
    cause: unknown,
  ) {
    super(`${phase} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Runs a drill's phases one by one: prints each, records its span and counts for the evidence, and stops waiting at
 * once when the run is interrupted (the abandoned work fails on its own once its containers are removed).
 */
export class Phases {
  readonly records: PhaseRecord[];

  /** `before`: phases already run for this drill (a source side shared by several restores). */
  constructor(
    private readonly progress: Progress,
    private readonly clock: DrillClock,
    private readonly signal: AbortSignal,
    before: PhaseRecord[] = [],
  ) {
    this.records = [...before];
  }

  async run<T>(name: string, body: (p: PhaseProgress) => Promise<{ value: T; counts?: Counts }>): Promise<T> {
    this.throwIfInterrupted();
    const p = this.progress.phase(name);
    const startedAt = this.clock.toIso(this.clock.now());
    try {
      const { value, counts = {} } = await this.untilInterrupted(body(p));
      this.records.push({ name, startedAt, durationMs: p.done(counts), counts });
      return value;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.records.push({
        name,
        startedAt,
        durationMs: p.failed(message.split("\n")[0] ?? ""),
        counts: { error: message.slice(0, 2000) },
      });
      throw err instanceof Interrupted || err instanceof PhaseError ? err : new PhaseError(name, err);
    }
  }

  throwIfInterrupted(): void {
    if (this.signal.aborted) throw new Interrupted(`interrupted by ${String(this.signal.reason)}`);
  }

  private untilInterrupted<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined); // abandoned on interruption: its later failure is expected
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new Interrupted(`interrupted by ${String(this.signal.reason)}`));
      if (this.signal.aborted) return onAbort();
      this.signal.addEventListener("abort", onAbort, { once: true });
      work.then(resolve, reject).finally(() => this.signal.removeEventListener("abort", onAbort));
    });
  }
}
