/**
 * One time base for a whole drill: milliseconds since the drill's clock was created, read from a monotonic source,
 * plus the wall-clock instant that zero corresponds to. Ledger times, backup windows and phase spans all use it, so
 * "acknowledged before the backup started" compares numbers from the same clock.
 */
export class DrillClock {
  private readonly originNs = process.hrtime.bigint();
  readonly originEpochMs = Date.now();

  /** Milliseconds since the clock was created, with sub-millisecond precision. */
  now(): number {
    return Number(process.hrtime.bigint() - this.originNs) / 1e6;
  }

  /** The UTC instant of a clock reading, for evidence. */
  toIso(ms: number): string {
    return new Date(this.originEpochMs + ms).toISOString();
  }
}
