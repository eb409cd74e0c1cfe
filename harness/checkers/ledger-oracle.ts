import { join } from "node:path";
import { UNKNOWN_DIGEST } from "../ledger.ts";
import { LIST_SEPARATOR, SORT_BUFFER_MIB, mergeJoin, parseRecordLine, sortFile } from "../records.ts";
import { AtomicityCheck } from "./atomicity.ts";
import type { CheckResult } from "./checker.ts";
import {
  acceptedSources,
  judgeKey,
  lastAckedBefore,
  observedAckAt,
  parseWriteRow,
  possibleSources,
  showKey,
  surelyNotApplied,
  writeKeyRows,
  type BackupWindow,
  type Violation,
  type WriteRow,
} from "./key-writes.ts";
import { PrefixCheck } from "./prefix.ts";

export type { BackupWindow, Violation } from "./key-writes.ts";

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

export const VIOLATIONS: readonly Violation[] = [
  "lost",
  "phantom",
  "duplicate",
  "corrupt",
  "failed-present",
  "future",
  "stale",
  "reordered",
  "torn-cut",
];

/** A count of every violation, all 0: where the oracle starts, and the figures of a restore it finds nothing wrong in. */
export function noViolations(): Record<Violation, number> {
  return {
    lost: 0,
    phantom: 0,
    duplicate: 0,
    corrupt: 0,
    "failed-present": 0,
    future: 0,
    stale: 0,
    reordered: 0,
    "torn-cut": 0,
  };
}

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
  /**
   * Acknowledged writes surely not in the restored state that were allowed to go (acknowledged after the backup
   * started): every possible source of their key's restored state was acknowledged before they were invoked.
   */
  ackedLostAfterRecoveryPoint: number;
  /** `info` writes whose value is present (they happened after all). */
  infoRecovered: number;
  /**
   * Completion time of the newest acknowledged write whose value the restored state positively shows, on the drill
   * clock (`observedAckAt`): an absent key never counts. Undefined when no restored value proves any acknowledged write.
   */
  newestSurvivingAck: number | undefined;
  /**
   * Completion time of the oldest acknowledged write surely missing from the restored state (lost inside or after the
   * recovery point): the data lost reaches back to it, whatever newer writes survived.
   */
  earliestMissingAck: number | undefined;
  /** Restored copies of a key beyond its first. */
  duplicatesSeen: number;
  cut: CutFigures;
}

/** The oracle check's `details` in the evidence: its figures, and the window and model it judged against. */
export interface OracleDetails extends OracleFigures {
  window: BackupWindow;
  model: RecordModel;
}

const listOf = (key: string): string | undefined =>
  key.includes(LIST_SEPARATOR) ? key.slice(0, key.indexOf(LIST_SEPARATOR)) : undefined;
const ms = (t: number) => `${t.toFixed(1)} ms`;
const describeTorn = (t: TornCut) =>
  `${showKey(t.visibleKey)} holds a write invoked at ${ms(t.visibleInvokeAt)} while ${showKey(t.missingKey)} lacks a write acknowledged at ${ms(t.missingCompleteAt)} (${ms(t.byMs)} apart)`;

/**
 * The ledger flattened to one row per (key, write) and sorted by key: the oracle's side of what was written. It needs
 * only the closed ledger, so a drill starts it before reading the restored state back; its path when done.
 */
export async function sortedLedgerWrites(ledgerPath: string, workDir: string): Promise<string> {
  const writesPath = join(workDir, "ledger-writes.tsv");
  const writesSorted = join(workDir, "ledger-writes.sorted.tsv");
  await writeKeyRows(ledgerPath, writesPath);
  await sortFile(writesPath, writesSorted, ["1,1", "2,2"], workDir, SORT_BUFFER_MIB / 2);
  return writesSorted;
}

/**
 * Checks the restored state (canonical records, unsorted) against the ledger with rules 1-4 and the model's
 * consistency; in the same pass, `cutChecks` judges what the cut check cannot see (one entry's keys share its times):
 * `atomicity` unless the model is per-key, `prefix` for prefix-per-stream. Streams: both sides are sorted on disk and
 * merged, and a model's groups (all keys, or one list) are contiguous in byte order, so the memory used does not grow
 * with the number of records.
 *
 * A cut at instant T explains a group when every visible write was invoked before T and every missing acknowledged
 * write completed after T: it exists iff max(invoke of visible writes) < min(completion of missing acknowledged ones).
 */
export async function checkAgainstLedger(opts: {
  ledgerPath: string;
  /** The ledger's side already on its way (`sortedLedgerWrites`, started while the state was read back). */
  ledgerWrites?: Promise<string>;
  restoredPath: string;
  window: BackupWindow;
  model: RecordModel;
  workDir: string;
  maxExamples?: number;
}): Promise<CheckResult<OracleDetails> & { figures: OracleFigures; cutChecks: CheckResult[] }> {
  const { window, model, workDir } = opts;
  const maxExamples = opts.maxExamples ?? 20;
  const restoredSorted = join(workDir, "restored.sorted.tsv");
  // The restored state is sorted while the ledger is flattened and sorted: two cores, one memory budget.
  const [writesSorted] = await Promise.all([
    opts.ledgerWrites ?? sortedLedgerWrites(opts.ledgerPath, workDir),
    sortFile(opts.restoredPath, restoredSorted, ["1,1"], workDir, SORT_BUFFER_MIB / 2),
  ]);

  const figures: OracleFigures = {
    keysChecked: 0,
    ackedBeforeWindow: 0,
    keysPresent: 0,
    violations: noViolations(),
    lostInsideRecoveryPoint: 0,
    ackedLostAfterRecoveryPoint: 0,
    infoRecovered: 0,
    newestSurvivingAck: undefined,
    earliestMissingAck: undefined,
    duplicatesSeen: 0,
    cut: {
      consistency: model.consistency,
      toleranceMs: model.toleranceMs ?? 0,
      groups: 0,
      tornGroups: 0,
      untimedKeys: 0,
    },
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
    const torn: TornCut = {
      group: name,
      visibleKey: visible.key,
      visibleInvokeAt: visible.at,
      missingKey: missing.key,
      missingCompleteAt: missing.at,
      byMs: visible.at - missing.at,
    };
    cut.tornGroups++;
    if (!cut.worst || torn.byMs > cut.worst.byMs) cut.worst = torn;
    report("torn-cut", `${showKey(name)}\n  ${describeTorn(torn)}`);
  };
  const noteMissing = (at: number) =>
    (figures.earliestMissingAck = Math.min(figures.earliestMissingAck ?? Infinity, at));
  let list: { name: string; key: string; at: number; reordered: boolean } | undefined;
  // All or none within the groups the model restores at one instant; a contiguous prefix per list.
  const atomicity = model.consistency === "per-key" ? undefined : new AtomicityCheck(workDir);
  const prefix = model.consistency === "prefix-per-stream" ? new PrefixCheck(maxExamples) : undefined;

  for await (const { key, left, right } of mergeJoin(writesSorted, restoredSorted)) {
    figures.keysChecked++;
    const writes = left.map(parseWriteRow);
    figures.ackedBeforeWindow += writes.filter((w) => w.outcome === "ok" && w.completeAt < window.start).length;
    const restored = right.map(parseRecordLine);
    if (restored.length > 0) figures.keysPresent++;
    figures.duplicatesSeen += Math.max(0, restored.length - 1);

    const listName = listOf(key);
    if (list?.name !== listName)
      list = listName === undefined ? undefined : { name: listName, key, at: -Infinity, reordered: false };
    const positions = restored.flatMap((r) => (r.position === undefined ? [] : [r.position]));
    if (list && positions.length > 0) {
      const at = Math.min(...positions);
      if (at < list.at && !list.reordered) {
        list.reordered = true;
        report(
          "reordered",
          `${showKey(list.name)}\n  ${showKey(key)} restored at position ${at}, before ${showKey(list.key)} at ${list.at}`,
        );
      }
      if (at > list.at) {
        list.key = key;
        list.at = at;
      }
    }

    const groupName =
      model.consistency === "point-in-time"
        ? "all keys"
        : model.consistency === "prefix-per-stream"
          ? listName
          : undefined;
    if (group?.name !== groupName) {
      closeGroup();
      if (groupName !== undefined) group = { name: groupName };
    }

    const actual = restored[0]?.digest;
    let verdict = judgeKey(writes, actual, window);
    const copiesDisagree = restored.some((r) => r.digest !== actual);
    if (!verdict.violation && restored.length > 1 && (model.duplicates !== "allowed" || copiesDisagree))
      verdict = { violation: "duplicate" };
    if (groupName !== undefined && !copiesDisagree) await atomicity?.key(key, groupName, writes, actual);
    prefix?.key(key, writes, actual, !verdict.violation);
    if (verdict.violation) {
      const acked = [...writes].reverse().find((w) => w.outcome === "ok");
      report(
        verdict.violation,
        `${showKey(key)}\n  expected: ${acked ? acked.preview || acked.digest : "(never written)"}\n  restored: ${restored.length ? restored.map((r) => r.preview).join(" | ") : "(absent)"}`,
      );
      // The key does not hold its last write acknowledged before the start: the data lost reaches back to it.
      const lastAcked = lastAckedBefore(writes, window.start);
      if (
        lastAcked >= 0 &&
        (verdict.violation === "lost" || verdict.violation === "stale" || verdict.violation === "corrupt")
      )
        noteMissing(writes[lastAcked]!.completeAt);
      continue;
    }
    const { matched, oldest } = verdict;
    const sources = possibleSources(writes, actual);
    let missing: WriteRow | undefined;
    writes.forEach((w, j) => {
      if (w.outcome !== "ok" || !surelyNotApplied(writes, sources, j)) return;
      figures.ackedLostAfterRecoveryPoint++;
      if (!missing || w.completeAt < missing.completeAt) missing = w;
    });
    if (missing) noteMissing(missing.completeAt);
    const m = matched === undefined ? undefined : writes[matched]!;
    if (group && m?.digest === UNKNOWN_DIGEST) cut.untimedKeys++;
    else if (group) {
      // Values can recur: the oldest write that may have left the state bounds the cut from below, and only writes
      // every possible source of the state precedes are surely missing, so a torn cut is never claimed falsely.
      const visibleAt = oldest === undefined ? undefined : writes[oldest]!.invokeAt;
      if (visibleAt !== undefined && visibleAt > (group.visible?.at ?? -Infinity))
        group.visible = { key, at: visibleAt };
      if (missing && missing.completeAt < (group.missing?.at ?? Infinity))
        group.missing = { key, at: missing.completeAt };
    }
    if (m?.outcome === "info" && m.digest !== UNKNOWN_DIGEST) figures.infoRecovered++;
    const observed = actual === undefined ? undefined : observedAckAt(writes, acceptedSources(writes, actual, window));
    if (observed !== undefined)
      figures.newestSurvivingAck = Math.max(figures.newestSurvivingAck ?? -Infinity, observed);
  }
  closeGroup();
  figures.lostInsideRecoveryPoint = figures.violations.lost;

  const broken = VIOLATIONS.filter((v) => figures.violations[v] > 0);
  // Nothing acknowledged before the backup: an empty (or any older) restore would be consistent too, so nothing is proved.
  const valid = broken.length > 0 ? false : figures.ackedBeforeWindow === 0 ? "unknown" : true;
  const cutHolds =
    model.consistency === "per-key"
      ? ""
      : `, ${model.consistency} cut holds over ${cut.groups} group(s), ${cut.untimedKeys} key(s) untimed`;
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
    cutChecks: [...(atomicity ? [await atomicity.result(maxExamples)] : []), ...(prefix ? [prefix.result()] : [])],
  };
}
