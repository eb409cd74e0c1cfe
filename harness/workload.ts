import type { Ledger, KeyWrite } from "./ledger.ts";
import type { DrillClock } from "./clock.ts";

/** One write the workload wants done, as the generator describes it. */
export interface WorkloadOp<Payload> {
  kind: string;
  /** The keys this op writes, known before it runs (recorded with `*` if the outcome is unknown). */
  keys: string[];
  payload: Payload;
}

/** Produces the next op for a writer. Writer-scoped so a key can belong to a single writer (per-key order is then known). */
export interface OpSource<Payload> {
  next(writer: number, writers: number): WorkloadOp<Payload>;
}

/** An engine connection that performs ops. One per writer. */
export interface WorkloadClient<Payload> {
  apply(op: WorkloadOp<Payload>): Promise<KeyWrite[]>;
  /** True only when the error proves the write did not take effect; anything else is recorded as `info`. */
  isDefiniteFailure(err: unknown): boolean;
  close(): Promise<void>;
}

export interface WorkloadBounds {
  writers: number;
  /** Hard cap on ops invoked across all writers. */
  maxOps: number;
  /** Hard cap on the workload's running time. */
  maxMs: number;
}

export interface WorkloadStats {
  invoked: number;
  ok: number;
  fail: number;
  info: number;
  startedAt: number;
  stoppedAt: number;
}

/**
 * N concurrent writers, each looping until it is stopped or a bound is reached. Every op goes through the ledger.
 * Both bounds always hold, so a drill's load can never run away.
 */
export class WorkloadRunner<Payload> {
  private stopped = false;
  private invoked = 0;
  private readonly stats = { ok: 0, fail: 0, info: 0 };
  private running: Promise<void> | undefined;
  private startedAt = 0;
  private ended = false;
  private waiters: { atLeast: number; resolve: () => void }[] = [];

  constructor(
    private readonly source: OpSource<Payload>,
    private readonly openClient: () => Promise<WorkloadClient<Payload>>,
    private readonly ledger: Ledger,
    private readonly clock: DrillClock,
    private readonly bounds: WorkloadBounds,
  ) {}

  async start(): Promise<void> {
    const clients = await Promise.all(Array.from({ length: this.bounds.writers }, () => this.openClient()));
    this.startedAt = this.clock.now();
    this.running = Promise.all(clients.map((client, writer) => this.writerLoop(client, writer))).then(() => {
      this.ended = true;
      this.releaseWaiters(true);
    });
  }

  /** Resolves once `count` ops have completed (or the workload ended), so a backup starts with writes in flight. */
  completedAtLeast(count: number): Promise<void> {
    if (this.completed() >= count || this.running === undefined || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ atLeast: count, resolve }));
  }

  async stop(): Promise<WorkloadStats> {
    this.stopped = true;
    await this.running;
    return { invoked: this.invoked, ...this.stats, startedAt: this.startedAt, stoppedAt: this.clock.now() };
  }

  private completed(): number {
    return this.stats.ok + this.stats.fail + this.stats.info;
  }

  private async writerLoop(client: WorkloadClient<Payload>, writer: number): Promise<void> {
    try {
      while (!this.stopped && this.invoked < this.bounds.maxOps && this.clock.now() - this.startedAt < this.bounds.maxMs) {
        this.invoked++;
        const op = this.source.next(writer, this.bounds.writers);
        const outcome = await this.ledger.record(
          `writer-${writer}`,
          op.kind,
          op.keys,
          () => client.apply(op),
          (err) => client.isDefiniteFailure(err),
        );
        this.stats[outcome]++;
        this.releaseWaiters(false);
      }
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  private releaseWaiters(all: boolean): void {
    const done = this.completed();
    this.waiters = this.waiters.filter((w) => {
      if (all || done >= w.atLeast) {
        w.resolve();
        return false;
      }
      return true;
    });
  }
}
