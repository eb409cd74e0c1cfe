import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { ABSENT_DIGEST, UNKNOWN_DIGEST, type LedgerEntry, type Outcome } from "../ledger.ts";
import { LIST_SEPARATOR, mergeJoin, parseRecordLine, previewOf, readLines, sortFile } from "../records.ts";
import type { CheckResult } from "./checker.ts";

/** The backup window on the drill clock: from invoking the backup to its completion. */
export interface BackupWindow {
  start: number;
  end: number;
}

/**
 * What an engine's backup promises (docs/design.md, "Consistency promises" and "Record models"):
 * - `point-in-time`: the restored state is the state of all keys at one instant;
 * - `prefix-per-stream`: each list (`<list>\u001f<seq>` keys) is restored up to one instant of its own;
 * - `per-key`: only each key on its own is checked (rules 1-3 and rule 4's version order).
 * `duplicates: "allowed"` (at-least-once protocols) accepts several restored copies of a key that carry the same value.
 */
export type Consistency = "point-in-time" | "prefix-per-stream" | "per-key";
export interface RecordModel {
  consistency: Consistency;
  duplicates?: "allowed" | "forbidden";
  /**
   * A backup that fixes each part at its own instant inside a short span (QuestDB's CHECKPOINT CREATE takes the tables
   * one after another) promises one cut only to within that span: a tear no longer than this is not claimed.
   */
  toleranceMs?: number;
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
export type Violation = "lost" | "phantom" | "duplicate" | "corrupt" | "failed-present" | "future" | "stale" | "reordered" | "torn-cut";
export const VIOLATIONS: readonly Violation[] = ["lost", "phantom", "duplicate", "corrupt", "failed-present", "future", "stale", "reordered", "torn-cut"];

/** Why a group's cut is torn: a visible write was invoked after a missing acknowledged write had completed. */
export interface TornCut {
  group: string;
  visibleKey: string;
  visibleInvokeAt: number;
  missingKey: string;
  missingCompleteAt: number;
  byMs: number;
}

export interface CutFigures {
  consistency: Consistency;
  /** The span within which the backup promised its cut (0: one instant). */
  toleranceMs: number;
  /** Groups checked for a cut (a key alone cannot be torn and is not counted). */
  groups: number;
  tornGroups: number;
  /** Keys left out of the cut: their value comes from a `*` write, whose timing proves nothing. */
  untimedKeys: number;
  /** The torn group whose cut missed by the most. */
  worst?: TornCut;
}

export interface OracleFigures {
  keysChecked: number;
  /** Writes acknowledged before the backup started: what the backup promised to keep. None: the drill proved nothing. */
  ackedBeforeWindow: number;
  keysPresent: number;
  violations: Record<Violation, number>;
  /** Acknowledged writes lost that the backup promised to keep (= `violations.lost`). */
  lostInsideRecoveryPoint: number;
  /** Acknowledged writes that are not in the restored state but were allowed to go (acknowledged after the backup started). */
  ackedLostAfterRecoveryPoint: number;
  /** `info` writes whose value is present (they happened after all). */
  infoRecovered: number;
  /** Completion time of the newest acknowledged write whose value survived, on the drill clock. */
  newestSurvivingAck: number | undefined;
  /** Restored copies of a key beyond its first. */
  duplicatesSeen: number;
  cut: CutFigures;
}

export interface WriteRow {
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
  for await (const line of readLines(ledgerPath)) {
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
  /** The newest write that may have left the restored state; absent when only "never written" explains it. */
  matched?: number;
  /** The oldest such write; absent when the key may never have been written at all. */
  oldest?: number;
}

/**
 * Judges one key. `writes` are that key's writes ordered by invoke time (one writer per key keeps them sequential);
 * `actual` is the restored digest or undefined when the key is absent. A write may have left the restored state if it
 * did not fail, was invoked before the backup ended and is not older than the last write acknowledged before the
 * backup started; an `info` write may not have happened, so the state before it stays possible. A `-` write (delete)
 * leaves the key absent. A `*` write (value unknown to the client, e.g. a balance moved by a transfer) may leave any
 * value: values that can recur leave no other choice, and the engine's invariants check those keys instead.
 */
export function judgeKey(writes: WriteRow[], actual: string | undefined, window: BackupWindow): KeyVerdict {
  let lastAckedBeforeStart = -1;
  writes.forEach((w, i) => {
    if (w.outcome === "ok" && w.completeAt < window.start) lastAckedBeforeStart = i;
  });
  if (actual !== undefined && writes.length === 0) return { violation: "phantom" };
  const leaves = (digest: string) =>
    actual === undefined ? digest === ABSENT_DIGEST : digest !== ABSENT_DIGEST && (digest === actual || digest === UNKNOWN_DIGEST);
  let oldest: number | undefined;
  let matched: number | undefined;
  for (let i = Math.max(lastAckedBeforeStart, 0); i < writes.length; i++) {
    const w = writes[i]!;
    if (w.outcome === "fail" || w.invokeAt > window.end || !leaves(w.digest)) continue;
    oldest ??= i;
    matched = i;
  }
  if (actual === undefined) {
    // Without an acknowledgement before the start, the key may never have been written at all.
    if (lastAckedBeforeStart < 0) return matched === undefined ? {} : { matched };
    return matched === undefined ? { violation: "lost" } : { matched, oldest };
  }
  if (matched !== undefined) return { matched, oldest };
  const sameValue = writes.map((w, i) => ({ w, i })).filter(({ w }) => w.digest === actual);
  if (sameValue.some(({ w }) => w.invokeAt > window.end && w.outcome !== "fail")) return { violation: "future" };
  if (sameValue.some(({ i }) => i < lastAckedBeforeStart)) return { violation: "stale" };
  if (sameValue.some(({ w }) => w.outcome === "fail")) return { violation: "failed-present" };
  // A key that only failed writes touched must be absent, whatever digests they carry.
  if (writes.every((w) => w.outcome === "fail")) return { violation: "failed-present" };
  return { violation: "corrupt" };
}

const listOf = (key: string): string | undefined => (key.includes(LIST_SEPARATOR) ? key.slice(0, key.indexOf(LIST_SEPARATOR)) : undefined);
const show = (key: string) => key.replaceAll(LIST_SEPARATOR, "␟");
const ms = (t: number) => `${t.toFixed(1)} ms`;
const describeTorn = (t: TornCut) =>
  `${show(t.visibleKey)} holds a write invoked at ${ms(t.visibleInvokeAt)} while ${show(t.missingKey)} lacks a write acknowledged at ${ms(t.missingCompleteAt)} (${ms(t.byMs)} apart)`;

/**
 * Checks the restored state (canonical records, unsorted) against the ledger with rules 1-4 and the model's
 * consistency. Streams: both sides are sorted on disk and merged, and a model's groups (all keys, or one list) are
 * contiguous in byte order, so the memory used does not grow with the number of records.
 *
 * A cut at instant T explains a group when every visible write was invoked before T and every missing acknowledged
 * write completed after T: it exists iff max(invoke of visible writes) < min(completion of missing acknowledged ones).
 */
export async function checkAgainstLedger(opts: {
  ledgerPath: string;
  restoredPath: string;
  window: BackupWindow;
  model: RecordModel;
  workDir: string;
  maxExamples?: number;
}): Promise<CheckResult & { figures: OracleFigures }> {
  const { window, model, workDir } = opts;
  const maxExamples = opts.maxExamples ?? 20;
  const writesPath = join(workDir, "ledger-writes.tsv");
  const writesSorted = join(workDir, "ledger-writes.sorted.tsv");
  const restoredSorted = join(workDir, "restored.sorted.tsv");
  await writeKeyRows(opts.ledgerPath, writesPath);
  await sortFile(writesPath, writesSorted, ["1,1", "2,2"], workDir);
  await sortFile(opts.restoredPath, restoredSorted, ["1,1"], workDir);

  const figures: OracleFigures = {
    keysChecked: 0,
    ackedBeforeWindow: 0,
    keysPresent: 0,
    violations: { lost: 0, phantom: 0, duplicate: 0, corrupt: 0, "failed-present": 0, future: 0, stale: 0, reordered: 0, "torn-cut": 0 },
    lostInsideRecoveryPoint: 0,
    ackedLostAfterRecoveryPoint: 0,
    infoRecovered: 0,
    newestSurvivingAck: undefined,
    duplicatesSeen: 0,
    cut: { consistency: model.consistency, toleranceMs: model.toleranceMs ?? 0, groups: 0, tornGroups: 0, untimedKeys: 0 },
  };
  const cut = figures.cut;
  const examples: string[] = [];
  const report = (violation: Violation, text: string) => {
    figures.violations[violation]++;
    if (examples.length < maxExamples) examples.push(`${violation} ${text}`);
  };

  type Mark = { key: string; at: number };
  let group: { name: string; visible?: Mark; missing?: Mark } | undefined;
  const closeGroup = () => {
    if (!group) return;
    cut.groups++;
    const { name, visible, missing } = group;
    group = undefined;
    // Equal readings could be either order: only a strict gap beyond the promised span is claimed.
    if (!visible || !missing || visible.at - missing.at <= (model.toleranceMs ?? 0)) return;
    const torn: TornCut = { group: name, visibleKey: visible.key, visibleInvokeAt: visible.at, missingKey: missing.key, missingCompleteAt: missing.at, byMs: visible.at - missing.at };
    cut.tornGroups++;
    if (!cut.worst || torn.byMs > cut.worst.byMs) cut.worst = torn;
    report("torn-cut", `${show(name)}\n  ${describeTorn(torn)}`);
  };
  let list: { name: string; key: string; at: number; reordered: boolean } | undefined;

  for await (const { key, left, right } of mergeJoin(writesSorted, restoredSorted)) {
    figures.keysChecked++;
    const writes = left.map(parseWriteRow);
    figures.ackedBeforeWindow += writes.filter((w) => w.outcome === "ok" && w.completeAt < window.start).length;
    const restored = right.map(parseRecordLine);
    if (restored.length > 0) figures.keysPresent++;
    figures.duplicatesSeen += Math.max(0, restored.length - 1);

    const listName = listOf(key);
    if (list?.name !== listName) list = listName === undefined ? undefined : { name: listName, key, at: -Infinity, reordered: false };
    const positions = restored.flatMap((r) => (r.position === undefined ? [] : [r.position]));
    if (list && positions.length > 0) {
      const at = Math.min(...positions);
      if (at < list.at && !list.reordered) {
        list.reordered = true;
        report("reordered", `${show(list.name)}\n  ${show(key)} restored at position ${at}, before ${show(list.key)} at ${list.at}`);
      }
      if (at > list.at) {
        list.key = key;
        list.at = at;
      }
    }

    const groupName = model.consistency === "point-in-time" ? "all keys" : model.consistency === "prefix-per-stream" ? listName : undefined;
    if (group?.name !== groupName) {
      closeGroup();
      if (groupName !== undefined) group = { name: groupName };
    }

    let verdict = judgeKey(writes, restored[0]?.digest, window);
    const copiesDisagree = restored.some((r) => r.digest !== restored[0]!.digest);
    if (!verdict.violation && restored.length > 1 && (model.duplicates !== "allowed" || copiesDisagree)) verdict = { violation: "duplicate" };
    if (verdict.violation) {
      const acked = [...writes].reverse().find((w) => w.outcome === "ok");
      report(
        verdict.violation,
        `${show(key)}\n  expected: ${acked ? acked.preview || acked.digest : "(never written)"}\n  restored: ${restored.length ? restored.map((r) => r.preview).join(" | ") : "(absent)"}`,
      );
      continue;
    }
    const { matched, oldest } = verdict;
    let missing: WriteRow | undefined;
    writes.forEach((w, i) => {
      if (w.outcome !== "ok" || w.digest === UNKNOWN_DIGEST || (matched !== undefined && i <= matched)) return;
      figures.ackedLostAfterRecoveryPoint++;
      if (!missing || w.completeAt < missing.completeAt) missing = w;
    });
    const m = matched === undefined ? undefined : writes[matched]!;
    if (group && m?.digest === UNKNOWN_DIGEST) cut.untimedKeys++;
    else if (group) {
      // Values can recur: the oldest write that may have left the state bounds the cut from below, and only writes
      // newer than the newest such write are surely missing, so a torn cut is never claimed falsely.
      const visibleAt = oldest === undefined ? undefined : writes[oldest]!.invokeAt;
      if (visibleAt !== undefined && visibleAt > (group.visible?.at ?? -Infinity)) group.visible = { key, at: visibleAt };
      if (missing && missing.completeAt < (group.missing?.at ?? Infinity)) group.missing = { key, at: missing.completeAt };
    }
    if (!m) continue;
    if (m.outcome === "info" && m.digest !== UNKNOWN_DIGEST) figures.infoRecovered++;
    // The newest acknowledged write reflected in the restored value (a wildcard match proves nothing about time).
    for (let i = matched!; i >= 0; i--) {
      const w = writes[i]!;
      if (w.outcome === "ok" && w.digest !== UNKNOWN_DIGEST) {
        figures.newestSurvivingAck = Math.max(figures.newestSurvivingAck ?? -Infinity, w.completeAt);
        break;
      }
    }
  }
  closeGroup();
  figures.lostInsideRecoveryPoint = figures.violations.lost;

  const broken = VIOLATIONS.filter((v) => figures.violations[v] > 0);
  // Nothing acknowledged before the backup: an empty (or any older) restore would be consistent too, so nothing is proved.
  const valid = broken.length > 0 ? false : figures.ackedBeforeWindow === 0 ? "unknown" : true;
  const cutHolds = model.consistency === "per-key" ? "" : `, ${model.consistency} cut holds over ${cut.groups} group(s), ${cut.untimedKeys} key(s) untimed`;
  return {
    name: "ledger-oracle",
    valid,
    summary:
      valid === true
        ? `all ${figures.keysChecked} keys consistent with the ledger (${figures.keysPresent} present, ${figures.ackedBeforeWindow} writes acknowledged before the backup, ${figures.ackedLostAfterRecoveryPoint} acknowledged writes after the recovery point not restored${cutHolds})`
        : valid === "unknown"
          ? `nothing to check: the ledger holds no write acknowledged before the backup started (${figures.keysChecked} keys, ${figures.keysPresent} restored), so an empty restore would pass as well; load data that the engine acknowledges`
          : `restored state violates the oracle: ${broken.map((v) => `${figures.violations[v]} ${v}`).join(", ")} (of ${figures.keysChecked} keys)` +
            (cut.worst ? `; torn cut: ${describeTorn(cut.worst)}` : ""),
    details: { ...figures, window, model },
    examples,
    figures,
  };
}
