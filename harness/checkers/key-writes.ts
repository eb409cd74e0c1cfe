import { ABSENT_DIGEST, UNKNOWN_DIGEST, type LedgerEntry, type Outcome } from "../ledger.ts";
import { LineFile } from "../line-file.ts";
import { LIST_SEPARATOR, previewOf, readLineChunks } from "../records.ts";

/** The backup window on the drill clock: from invoking the backup to its completion. */
export interface BackupWindow {
  start: number;
  end: number;
}

/**
 * The oracle's rules (docs/design.md, "The oracle"), checked key by key against the ledger:
 * - `lost` (rule 1): a write acknowledged before the backup started is missing;
 * - `phantom` (rule 2): a key is present that no write ever touched;
 * - `duplicate` (rule 2): a key is restored more than once where the model forbids it, or its copies disagree;
 * - `corrupt` (rule 2): a value matches nothing ever written to its key;
 * - `failed-present` (rule 2): the value of a write that definitely failed is present;
 * - `future` (rule 3): a value written only by writes invoked after the backup ended is present;
 * - `stale` (rule 4): a key holds a version older than one acknowledged before the backup started;
 * - `reordered` (rule 4): a list holds an item before one appended earlier (counted per list);
 * - `torn-cut` (rule 4): no single instant explains a group of keys the model restores together (counted per group).
 */
export type Violation =
  "lost" | "phantom" | "duplicate" | "corrupt" | "failed-present" | "future" | "stale" | "reordered" | "torn-cut";

/** A key as people read it: the list separator shown as ␟. */
export const showKey = (key: string) => key.replaceAll(LIST_SEPARATOR, "␟");

/** One write of one key, as the oracle reads it from the sorted ledger rows. */
export interface WriteRow {
  invokeAt: number;
  completeAt: number;
  outcome: Outcome;
  digest: string;
  preview: string;
  /** The ledger entry (`<seq>:<op>`) when it wrote several keys in one atomic commit: they are checked all or none. */
  entry?: string;
}

export function parseWriteRow(line: string): WriteRow {
  const [, invokeAt = "0", completeAt = "0", outcome = "info", digest = "", entry = "-", preview = ""] =
    line.split("\t");
  const row: WriteRow = {
    invokeAt: Number(invokeAt),
    completeAt: Number(completeAt),
    outcome: outcome as Outcome,
    digest,
    preview,
  };
  return entry === "-" ? row : { ...row, entry };
}

/** Fixed-width so a numeric sort key and a plain one agree. */
const fixed = (ms: number) => ms.toFixed(3).padStart(16, "0");

/**
 * Flattens the ledger into one line per (key, write) for sorting: key, invoke, complete, outcome, digest, entry,
 * preview. The entry is named only for an atomic entry of several keys (`-` otherwise): the atomicity check's unit.
 */
export async function writeKeyRows(ledgerPath: string, out: string): Promise<void> {
  const sink = new LineFile(out);
  for await (const lines of readLineChunks(ledgerPath)) {
    for (const line of lines) {
      if (!line) continue;
      const entry = JSON.parse(line) as LedgerEntry;
      const name = entry.writes.length > 1 && entry.atomic !== false ? `${entry.seq}:${previewOf(entry.op, 40)}` : "-";
      const times = `${fixed(entry.invokeAt)}\t${fixed(entry.completeAt)}\t${entry.outcome}`;
      for (const w of entry.writes)
        sink.line(`${w.key}\t${times}\t${w.digest}\t${name}\t${previewOf(w.preview ?? "", 80)}`);
      if (sink.full) await sink.flush();
    }
  }
  await sink.close();
}

/** Whether a write with this digest leaves the restored state `actual` (undefined: absent). */
function leaves(digest: string, actual: string | undefined): boolean {
  return actual === undefined
    ? digest === ABSENT_DIGEST
    : digest !== ABSENT_DIGEST && (digest === actual || digest === UNKNOWN_DIGEST);
}

/** The index of the last write acknowledged before the backup started, or -1. */
export function lastAckedBefore(writes: WriteRow[], start: number): number {
  let last = -1;
  writes.forEach((w, i) => {
    if (w.outcome === "ok" && w.completeAt < start) last = i;
  });
  return last;
}

/**
 * The writes that may have left the restored state under rules 1-4, oldest first: not failed, invoked before the
 * backup ended, leaving that state, and not older than the last write acknowledged before the start, the `ok` ones
 * (a key's writer waits for each, so they are in order). An `info` write older than that one stays: it may take effect
 * any time after its invocation (Jepsen's model), after a later acknowledged write too (a request the server runs
 * after the client gave up on it), and then its value is what the backup saw; calling it `stale` would claim what the
 * ledger cannot prove.
 */
export function acceptedSources(writes: WriteRow[], actual: string | undefined, window: BackupWindow): number[] {
  const lastAcked = lastAckedBefore(writes, window.start);
  const accepted: number[] = [];
  writes.forEach((w, i) => {
    const overwritten = i < lastAcked && w.outcome === "ok";
    if (w.outcome !== "fail" && w.invokeAt <= window.end && leaves(w.digest, actual) && !overwritten) accepted.push(i);
  });
  return accepted;
}

export interface KeyVerdict {
  violation?: Violation;
  /** The newest write that may have left the restored state; absent when only "never written" explains it. */
  matched?: number;
  /** The oldest such write; absent when the key may never have been written at all. */
  oldest?: number;
}

/**
 * Judges one key. `writes` are that key's writes ordered by invoke time; `actual` is the restored digest or undefined
 * when the key is absent. The restored state must come from one of `acceptedSources`; an absent key may also never
 * have been written, unless a write was acknowledged before the backup started. A `-` write (delete) leaves the key
 * absent. A `*` write (value unknown to the client, e.g. a balance moved by a transfer) may leave any value: values
 * that can recur leave no other choice, and the engine's invariants check those keys instead.
 */
export function judgeKey(writes: WriteRow[], actual: string | undefined, window: BackupWindow): KeyVerdict {
  if (actual !== undefined && writes.length === 0) return { violation: "phantom" };
  const lastAcked = lastAckedBefore(writes, window.start);
  const accepted = acceptedSources(writes, actual, window);
  const oldest = accepted[0];
  const matched = accepted.at(-1);
  if (actual === undefined) {
    // Without an acknowledgement before the start, the key may never have been written at all.
    if (lastAcked < 0) return matched === undefined ? {} : { matched };
    return matched === undefined ? { violation: "lost" } : { matched, oldest };
  }
  if (matched !== undefined) return { matched, oldest };
  const sameValue = writes.map((w, i) => ({ w, i })).filter(({ w }) => w.digest === actual);
  if (sameValue.some(({ w }) => w.invokeAt > window.end && w.outcome !== "fail")) return { violation: "future" };
  if (sameValue.some(({ i }) => i < lastAcked)) return { violation: "stale" };
  if (sameValue.some(({ w }) => w.outcome === "fail")) return { violation: "failed-present" };
  // A key that only failed writes touched must be absent, whatever digests they carry.
  if (writes.every((w) => w.outcome === "fail")) return { violation: "failed-present" };
  return { violation: "corrupt" };
}

/**
 * The completion of the acknowledged write whose value the restored state positively shows, for the RPO: only when
 * every accepted source of a present value is an acknowledged write of a known value (the oldest such, as values can
 * recur). An `info` or `*` source proves no acknowledged write survived, and an absent key proves nothing: it may never
 * have been created, or the backup may have lost it.
 */
export function observedAckAt(writes: WriteRow[], accepted: number[]): number | undefined {
  let at: number | undefined;
  for (const i of accepted) {
    const w = writes[i]!;
    if (w.outcome !== "ok" || w.digest === UNKNOWN_DIGEST) return undefined;
    at = Math.min(at ?? Infinity, w.completeAt);
  }
  return at;
}

/**
 * Everything that may have left a key's restored state, by value and outcome alone (no rule of the backup window
 * assumed): the writes that do not fail and leave it, and, for an absent key, "never written" (or written and lost).
 */
export interface Sources {
  writes: number[];
  neverWritten: boolean;
}

export function possibleSources(writes: WriteRow[], actual: string | undefined): Sources {
  const found: number[] = [];
  writes.forEach((w, i) => {
    if (w.outcome !== "fail" && leaves(w.digest, actual)) found.push(i);
  });
  return { writes: found, neverWritten: actual === undefined };
}

/** `later`'s effect surely follows `write`'s: `write` was acknowledged before `later` was invoked. */
const follows = (later: WriteRow, write: WriteRow) => write.outcome === "ok" && later.invokeAt > write.completeAt;
/** `earlier`'s effect surely precedes `write`'s: acknowledged before `write` was invoked (an `info` write may land late). */
const precedes = (earlier: WriteRow, write: WriteRow) =>
  earlier.outcome === "ok" && earlier.completeAt < write.invokeAt;

/** Write `j` surely took effect before the cut: every possible source of the restored state is `j` or surely after it. */
export function surelyApplied(writes: WriteRow[], sources: Sources, j: number): boolean {
  const write = writes[j]!;
  return (
    !sources.neverWritten &&
    sources.writes.length > 0 &&
    sources.writes.every((i) => i === j || follows(writes[i]!, write))
  );
}

/** Write `j` surely had not taken effect at the cut: every possible source of the restored state surely precedes it. */
export function surelyNotApplied(writes: WriteRow[], sources: Sources, j: number): boolean {
  const write = writes[j]!;
  return (
    (sources.neverWritten || sources.writes.length > 0) && sources.writes.every((i) => precedes(writes[i]!, write))
  );
}
