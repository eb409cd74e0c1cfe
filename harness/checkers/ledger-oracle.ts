import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { UNKNOWN_DIGEST, type LedgerEntry, type Outcome } from "../ledger.ts";
import { mergeJoin, parseRecordLine, previewOf, sortFile } from "../records.ts";
import type { CheckResult } from "./checker.ts";

/** The backup window on the drill clock: from invoking the backup to its completion. */
export interface BackupWindow {
  start: number;
  end: number;
}

/**
 * The oracle's rules (design.md), checked key by key against the ledger:
 * - `lost` (rule 1): a write acknowledged before the backup started is missing;
 * - `phantom` (rule 2): a key is present that no write ever touched;
 * - `corrupt` (rule 2): a value matches nothing ever written to its key;
 * - `failed-present` (rule 2): the value of a write that definitely failed is present;
 * - `future` (rule 3): a value written only by writes invoked after the backup ended is present;
 * - `stale` (rule 4): a key holds a version older than one acknowledged before the backup started.
 */
export type Violation = "lost" | "phantom" | "corrupt" | "failed-present" | "future" | "stale";
export const VIOLATIONS: readonly Violation[] = ["lost", "phantom", "corrupt", "failed-present", "future", "stale"];

export interface OracleFigures {
  keysChecked: number;
  keysPresent: number;
  violations: Record<Violation, number>;
  /** Acknowledged writes that are not in the restored state but were allowed to go (acknowledged after the backup started). */
  ackedLostAfterRecoveryPoint: number;
  /** `info` writes whose value is present (they happened after all). */
  infoRecovered: number;
  /** Completion time of the newest acknowledged write whose value survived, on the drill clock. */
  newestSurvivingAck: number | undefined;
}

interface WriteRow {
  invokeAt: number;
  completeAt: number;
  outcome: Outcome;
  digest: string;
  preview: string;
}

function parseWriteRow(line: string): WriteRow {
  const [, invokeAt = "0", completeAt = "0", outcome = "info", digest = "", preview = ""] = line.split("\t");
  return { invokeAt: Number(invokeAt), completeAt: Number(completeAt), outcome: outcome as Outcome, digest, preview };
}

/** Fixed-width so a numeric sort key and a plain one agree. */
const fixed = (ms: number) => ms.toFixed(3).padStart(16, "0");

/** Flattens the ledger into one line per (key, write) for sorting: key, invoke, complete, outcome, digest, preview. */
async function writeKeyRows(ledgerPath: string, out: string): Promise<void> {
  const sink = createWriteStream(out);
  const rl = createInterface({ input: createReadStream(ledgerPath), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const entry = JSON.parse(line) as LedgerEntry;
    for (const w of entry.writes) {
      const row = [w.key, fixed(entry.invokeAt), fixed(entry.completeAt), entry.outcome, w.digest, previewOf(w.preview ?? "", 80)].join("\t");
      if (!sink.write(row + "\n")) await once(sink, "drain");
    }
  }
  sink.end();
  await once(sink, "finish");
}

export interface KeyVerdict {
  violation?: Violation;
  /** Index of the write whose value is present, when one matches. */
  matched?: number;
}

/**
 * Judges one key. `writes` are that key's writes ordered by invoke time (one writer per key keeps them sequential);
 * `actual` is the restored digest or undefined when the key is absent. A `*` write (value unknown to the client: an
 * `info` outcome, or a balance moved by a transfer) accepts any value from then on; values that can recur, such as
 * balances, leave no other choice, and the engine's invariants check those keys instead.
 */
export function judgeKey(writes: WriteRow[], actual: string | undefined, window: BackupWindow): KeyVerdict {
  let lastAckedBeforeStart = -1;
  writes.forEach((w, i) => {
    if (w.outcome === "ok" && w.completeAt < window.start) lastAckedBeforeStart = i;
  });
  if (actual === undefined) return lastAckedBeforeStart >= 0 ? { violation: "lost" } : {};
  if (writes.length === 0) return { violation: "phantom" };
  // The newest write that could have produced the restored value: not failed, invoked before the backup ended,
  // and not older than the last write acknowledged before it started.
  for (let i = writes.length - 1; i >= Math.max(lastAckedBeforeStart, 0); i--) {
    const w = writes[i]!;
    if (w.outcome === "fail" || w.invokeAt > window.end) continue;
    if (w.digest === actual || w.digest === UNKNOWN_DIGEST) return { matched: i };
  }
  const sameValue = writes.map((w, i) => ({ w, i })).filter(({ w }) => w.digest === actual);
  if (sameValue.some(({ w }) => w.invokeAt > window.end && w.outcome !== "fail")) return { violation: "future" };
  if (sameValue.some(({ i }) => i < lastAckedBeforeStart)) return { violation: "stale" };
  if (sameValue.some(({ w }) => w.outcome === "fail")) return { violation: "failed-present" };
  // Failed writes are recorded without a digest: a key that only failed writes touched must be absent.
  if (writes.every((w) => w.outcome === "fail")) return { violation: "failed-present" };
  return { violation: "corrupt" };
}

/**
 * Checks the restored state (canonical records, unsorted) against the ledger with rules 1-4. Streams: both sides are
 * sorted on disk and merged, so the memory used does not grow with the number of records.
 */
export async function checkAgainstLedger(opts: {
  ledgerPath: string;
  restoredPath: string;
  window: BackupWindow;
  workDir: string;
  maxExamples?: number;
}): Promise<CheckResult & { figures: OracleFigures }> {
  const { window, workDir } = opts;
  const maxExamples = opts.maxExamples ?? 20;
  const writesPath = join(workDir, "ledger-writes.tsv");
  const writesSorted = join(workDir, "ledger-writes.sorted.tsv");
  const restoredSorted = join(workDir, "restored.sorted.tsv");
  await writeKeyRows(opts.ledgerPath, writesPath);
  await sortFile(writesPath, writesSorted, ["1,1", "2,2"], workDir);
  await sortFile(opts.restoredPath, restoredSorted, ["1,1"], workDir);

  const figures: OracleFigures = {
    keysChecked: 0,
    keysPresent: 0,
    violations: { lost: 0, phantom: 0, corrupt: 0, "failed-present": 0, future: 0, stale: 0 },
    ackedLostAfterRecoveryPoint: 0,
    infoRecovered: 0,
    newestSurvivingAck: undefined,
  };
  const examples: string[] = [];
  for await (const { key, left, right } of mergeJoin(writesSorted, restoredSorted)) {
    figures.keysChecked++;
    const writes = left.map(parseWriteRow);
    const restored = right.map(parseRecordLine);
    if (restored.length > 0) figures.keysPresent++;
    // A key restored twice is a duplicate the engine invented: judge the extra copy as a phantom.
    const verdict: KeyVerdict = restored.length > 1 ? { violation: "phantom" } : judgeKey(writes, restored[0]?.digest, window);
    if (verdict.violation) {
      figures.violations[verdict.violation]++;
      if (examples.length < maxExamples) {
        const acked = [...writes].reverse().find((w) => w.outcome === "ok");
        examples.push(
          `${verdict.violation} ${key}\n  expected: ${acked ? acked.preview || acked.digest : "(never written)"}\n  restored: ${restored.length ? restored.map((r) => r.preview).join(" | ") : "(absent)"}`,
        );
      }
      continue;
    }
    const matched = verdict.matched;
    writes.forEach((w, i) => {
      if (w.outcome === "ok" && (matched === undefined || i > matched) && w.digest !== UNKNOWN_DIGEST) figures.ackedLostAfterRecoveryPoint++;
    });
    if (matched === undefined) continue;
    const m = writes[matched]!;
    if (m.outcome === "info" && m.digest !== UNKNOWN_DIGEST) figures.infoRecovered++;
    // The newest acknowledged write reflected in the restored value (a wildcard match proves nothing about time).
    for (let i = matched; i >= 0; i--) {
      const w = writes[i]!;
      if (w.outcome === "ok" && w.digest !== UNKNOWN_DIGEST) {
        figures.newestSurvivingAck = Math.max(figures.newestSurvivingAck ?? -Infinity, w.completeAt);
        break;
      }
    }
  }
  const broken = VIOLATIONS.filter((v) => figures.violations[v] > 0);
  const valid = broken.length === 0;
  return {
    name: "ledger-oracle",
    valid,
    summary: valid
      ? `all ${figures.keysChecked} keys consistent with the ledger (${figures.keysPresent} present, ${figures.ackedLostAfterRecoveryPoint} acknowledged writes after the recovery point not restored)`
      : `restored state violates the oracle: ${broken.map((v) => `${figures.violations[v]} ${v}`).join(", ")} (of ${figures.keysChecked} keys)`,
    details: { ...figures, window },
    examples,
    figures,
  };
}
