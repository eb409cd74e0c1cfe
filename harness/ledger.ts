import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import type { DrillClock } from "./clock.ts";
import { MultisetDigest } from "./records.ts";

/**
 * The history of every write a drill invoked, after Jepsen's op model:
 * - `ok`: the engine acknowledged it, so it happened;
 * - `fail`: it definitely did not happen (the engine refused it before commit);
 * - `info`: unknown (time-out, lost connection, an unexpected error): it may or may not have happened.
 * An exception is `info`, never `fail`, unless the adapter proves the write cannot have taken effect.
 */
export type Outcome = "ok" | "fail" | "info";

/** The value a write left on one key: the engine's digest of the stored record, or `*` when the client cannot know it. */
export interface KeyWrite {
  key: string;
  digest: string;
  /** A short human-readable form of the value, for diffs. */
  preview?: string;
}

export interface LedgerEntry {
  seq: number;
  process: string;
  /** The kind of operation, e.g. `load`, `insert`, `update`, `transfer`. */
  op: string;
  invokeAt: number;
  completeAt: number;
  outcome: Outcome;
  /**
   * Keys written. For `ok` the digests the engine returned; for `fail`/`info` the digests of the values sent, or `*`
   * where the client cannot know them.
   */
  writes: KeyWrite[];
  error?: string;
  /**
   * `false` when the keys of this entry are not written by one commit of the engine (an MQTT session's CONNECT then
   * its SUBSCRIBE, eXo's SQL rows and MongoDB documents and files, a bulk load in several transactions): the oracle
   * then does not check them all-or-none. Absent: the entry is one atomic write.
   */
  atomic?: false;
}

/** Marks a digest the client cannot predict: any value is acceptable for that write. */
export const UNKNOWN_DIGEST = "*";

/** The digest of a write that deletes its key: afterwards the key must be absent. */
export const ABSENT_DIGEST = "-";

export interface LedgerCounts {
  ok: number;
  fail: number;
  info: number;
  keysWritten: number;
}

/**
 * Appends entries to a JSON-lines file as they complete, so a crash of the checker never loses the history and a
 * million writes never sit in memory at once. Only counters and the time of the newest acknowledgement stay in memory.
 */
export class Ledger {
  private readonly out: WriteStream;
  private seq = 0;
  private failure: Error | undefined;
  readonly counts: LedgerCounts = { ok: 0, fail: 0, info: 0, keysWritten: 0 };
  /** Completion time of the newest acknowledged write: with the workload stopped, the moment of the disaster. */
  newestAckAt: number | undefined;
  /** Per-op-kind completion latencies (ms) are summarised here for the evidence. */
  readonly latencies = new Map<string, number[]>();
  /** Digest of what the load phase wrote, as the engine acknowledged it: equal seeds must give equal data sets. */
  readonly loaded = new MultisetDigest();

  constructor(
    readonly path: string,
    readonly clock: DrillClock,
  ) {
    this.out = createWriteStream(path, { flags: "w" });
    this.out.on("error", (err) => (this.failure = err));
  }

  /** Runs one write and records it. Returns the outcome; never throws for engine errors. */
  async record(
    process: string,
    op: string,
    intended: KeyWrite[],
    write: () => Promise<KeyWrite[]>,
    isDefiniteFailure: (err: unknown) => boolean,
    declared: Pick<LedgerEntry, "atomic"> = {},
  ): Promise<Outcome> {
    const invokeAt = this.clock.now();
    let outcome: Outcome;
    let writes: KeyWrite[];
    let error: string | undefined;
    try {
      writes = await write();
      outcome = "ok";
    } catch (err) {
      outcome = isDefiniteFailure(err) ? "fail" : "info";
      writes = intended;
      error = err instanceof Error ? err.message : String(err);
    }
    const completeAt = this.clock.now();
    this.append({
      seq: 0,
      process,
      op,
      invokeAt,
      completeAt,
      outcome,
      writes,
      ...(error ? { error } : {}),
      ...declared,
    });
    return outcome;
  }

  /** Records one acknowledged batch of the load phase, invoked at `invokeAt` and complete now. */
  appendLoad(invokeAt: number, writes: KeyWrite[], declared: Pick<LedgerEntry, "atomic"> = {}): void {
    this.append({
      seq: 0,
      process: "loader",
      op: "load",
      invokeAt,
      completeAt: this.clock.now(),
      outcome: "ok",
      writes,
      ...declared,
    });
  }

  /**
   * Records an entry whose timing the caller measured itself (bulk loads). Once closed, the history is final: an op
   * still in flight when an interrupted drill closed it is not recorded.
   */
  append(entry: LedgerEntry): void {
    if (this.failure) throw this.failure;
    if (this.out.writableEnded) return;
    entry.seq = this.seq++;
    this.counts[entry.outcome]++;
    if (entry.outcome === "ok" && entry.writes.length)
      this.newestAckAt = Math.max(this.newestAckAt ?? 0, entry.completeAt);
    this.counts.keysWritten += entry.writes.length;
    if (entry.op === "load" && entry.outcome === "ok") for (const w of entry.writes) this.loaded.add(w);
    const latency = entry.completeAt - entry.invokeAt;
    const list = this.latencies.get(entry.op) ?? [];
    if (list.length < 100_000) list.push(latency);
    this.latencies.set(entry.op, list);
    this.out.write(JSON.stringify(entry) + "\n");
  }

  async close(): Promise<void> {
    if (this.out.writableFinished) return;
    this.out.end();
    await once(this.out, "finish");
    if (this.failure) throw this.failure;
  }
}
