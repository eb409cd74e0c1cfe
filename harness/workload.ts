import { UNKNOWN_DIGEST, type Ledger, type KeyWrite } from "./ledger.ts";
import type { DrillClock } from "./clock.ts";

/** One write the workload wants done, as the generator describes it. */
export interface WorkloadOp<Payload> {
  kind: string;
  /** The keys this op writes, known before it runs (recorded with `*` if the outcome is unknown). */
  keys: string[];
  payload: Payload;
  /** `false` when the engine does not write the op's keys in one commit (see `LedgerEntry.atomic`). */
  atomic?: false;
}

/** Produces the next op for a writer. Writer-scoped so a key can belong to a single writer (per-key order is then known). */
export interface OpSource<Payload> {
  next(writer: number, writers: number): WorkloadOp<Payload>;
}

/** An engine connection that performs ops. One per writer. */
export interface WorkloadClient<Payload> {
  apply(op: WorkloadOp<Payload>): Promise<KeyWrite[]>;
  /**
   * The digests of what `op` is about to write, computed before it is sent, so that a write whose outcome is unknown
   * still says which value it may have left (the oracle then accepts the previous value or this one). Without it, or
   * when it fails, such a write accepts any value (`*`).
   */
  intended?(op: WorkloadOp<Payload>): Promise<KeyWrite[]>;
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
  /** Writers that stopped on their own after their node stopped answering. */
  gaveUp: number;
}

/**
 * A writer whose node stops answering backs off (the pause doubles from `startMs` up to `maxMs`) and gives up after
 * `giveUpAfter` unanswered ops in a row, so a lost node ends the workload instead of filling the ledger.
 */
export interface Backoff {
  startMs: number;
  maxMs: number;
  giveUpAfter: number;
}

export const DEFAULT_BACKOFF: Backoff = { startMs: 10, maxMs: 1_000, giveUpAfter: 20 };

/**
 * N concurrent writers, each looping until it is stopped or a bound is reached. Every op goes through the ledger.
 * Both bounds always hold, so a drill's load can never run away.
 */
export class WorkloadRunner<Payload> {
  private stopped = false;
  private invoked = 0;
  private readonly stats = { ok: 0, fail: 0, info: 0, gaveUp: 0 };
  private readonly wake = new AbortController();
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
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
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
    this.wake.abort();
    await this.running;
    return { invoked: this.invoked, ...this.stats, startedAt: this.startedAt, stoppedAt: this.clock.now() };
  }

  private async intendedOf(client: WorkloadClient<Payload>, op: WorkloadOp<Payload>): Promise<KeyWrite[]> {
    const unknown = op.keys.map((key) => ({ key, digest: UNKNOWN_DIGEST }));
    if (!client.intended) return unknown;
    return client.intended(op).catch(() => unknown);
  }

  /** A pause that `stop()` cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.wake.signal.aborted) return resolve();
      const onAbort = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => (this.wake.signal.removeEventListener("abort", onAbort), resolve()), ms);
      this.wake.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private completed(): number {
    return this.stats.ok + this.stats.fail + this.stats.info;
  }

  private async writerLoop(client: WorkloadClient<Payload>, writer: number): Promise<void> {
    let unanswered = 0;
    try {
      while (
        !this.stopped &&
        this.invoked < this.bounds.maxOps &&
        this.clock.now() - this.startedAt < this.bounds.maxMs
      ) {
        this.invoked++;
        const op = this.source.next(writer, this.bounds.writers);
        const intended = await this.intendedOf(client, op);
        const outcome = await this.ledger.record(
          `writer-${writer}`,
          op.kind,
          intended,
          () => client.apply(op),
          (err) => client.isDefiniteFailure(err),
          op.atomic === false ? { atomic: false } : {},
        );
        this.stats[outcome]++;
        this.releaseWaiters(false);
        unanswered = outcome === "info" ? unanswered + 1 : 0;
        if (unanswered >= this.backoff.giveUpAfter) {
          this.stats.gaveUp++;
          break;
        }
        if (unanswered > 0)
          await this.pause(Math.min(this.backoff.maxMs, this.backoff.startMs * 2 ** (unanswered - 1)));
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
