import type { CheckResult } from "../checkers/checker.ts";
import { VIOLATIONS } from "../checkers/ledger-oracle.ts";
import { isOracleDetails } from "../checkers/oracle-details.ts";
import type { Evidence } from "../evidence.ts";
import type { FaultRecord } from "../faults.ts";

/**
 * What one campaign fault came to, first catcher in the drill's order (preflight → restore → read-back and oracle →
 * invariants and the new write → deep verification):
 * - `refused`: the engine or its tool said no, and the backup copy was proven untouched;
 * - `preflight`, `oracle`, `cut`, `invariant`: the named check of the drill caught it;
 * - `harmless`: the drill passed and the deep verification on the same restored node found nothing;
 * - `MISSED`: the drill passed but the deep verification found damage: the drill's checks are too shallow there;
 * - `unknown`: the harness could not decide (our error, Docker, no deep verifier): a defect, never counted as caught.
 */
export type CampaignOutcome =
  "refused" | "preflight" | "oracle" | "cut" | "invariant" | "harmless" | "unknown" | "MISSED";
export const CAMPAIGN_OUTCOMES: readonly CampaignOutcome[] = [
  "refused",
  "preflight",
  "oracle",
  "cut",
  "invariant",
  "harmless",
  "unknown",
  "MISSED",
];
const CAUGHT: ReadonlySet<CampaignOutcome> = new Set(["refused", "preflight", "oracle", "cut", "invariant"]);

export const isCaught = (o: CampaignOutcome) => CAUGHT.has(o);

/** The check the campaign adds after a drill that passed. */
export const DEEP_VERIFY = "deep-verify";

export interface Classification {
  outcome: CampaignOutcome;
  /** The check that decided it. */
  by: string | null;
  why: string;
}

const ORACLE_CHECKS = new Set(["read-back", "ledger-oracle", "exact-equivalence"]);
const firstLine = (c: CheckResult) => c.summary.split("\n")[0]!;

/** A ledger-oracle failure made only of torn cuts: the backup's point-in-time promise broke, nothing else. */
function onlyTornCut(c: CheckResult): boolean {
  if (!isOracleDetails(c.details)) return false;
  const { violations } = c.details;
  const broken = VIOLATIONS.filter((v) => violations[v] > 0);
  return broken.length === 1 && broken[0] === "torn-cut";
}

/** Why a fault that the deep verification found no trace of did no harm, where the fault itself tells. */
function harmlessBecause(fault: FaultRecord | undefined, deep: CheckResult): string {
  const d = fault?.detail ?? {};
  const flips = Array.isArray(d.flips) ? d.flips : [];
  if (
    fault?.fault === "flip-bytes" &&
    flips.length > 0 &&
    flips.every(
      (f: unknown) => typeof f === "object" && f !== null && "before" in f && /^(00)+$/.test(String(f.before)),
    )
  ) {
    return "the flipped bytes were zeros: preallocated or free space the engine does not read";
  }
  if (fault?.fault === "zero-block" && d.wasZero === true) return "the block was zero already: nothing changed";
  if (fault?.fault === "older-file" && d.identical === true)
    return "the older backup's file is identical: nothing changed";
  return `deep verification clean: ${firstLine(deep)}`;
}

/**
 * Classifies one fault's drill from its evidence. Only a check that failed for a reason the drill names counts as
 * caught; an undecided drill, a refusal that did not prove the backup untouched, or a pass without a deep verifier
 * are `unknown`.
 */
export function classify(
  e: Pick<Evidence, "verdict" | "checks" | "reasons" | "restoreAttempts" | "faults">,
): Classification {
  const failed = e.checks.filter((c) => c.valid === false);
  const first = (pred: (c: CheckResult) => boolean) => failed.find(pred);
  const crashed = e.checks.find((c) => c.crashed);
  if (crashed)
    return {
      outcome: "unknown",
      by: crashed.name,
      why: `a checker crashed (an error of dr-drill): ${firstLine(crashed)}`,
    };
  if (e.verdict === "unknown") {
    const open = e.checks.find((c) => c.valid === "unknown");
    return {
      outcome: "unknown",
      by: open?.name ?? null,
      why: `undecided: ${e.reasons[0] ?? (open ? `${open.name}: ${firstLine(open)}` : "a check could not decide")}`,
    };
  }
  const preflight = first((c) => c.name.startsWith("preflight"));
  if (preflight) return { outcome: "preflight", by: preflight.name, why: firstLine(preflight) };
  const restore = first((c) => c.name === "restore");
  if (restore) {
    const untouched = e.checks.find((c) => c.name === "artifact-untouched");
    if (untouched?.valid !== true)
      return {
        outcome: "unknown",
        by: restore.name,
        why: `refused, but the backup was not proven untouched: ${untouched ? firstLine(untouched) : "not checked"}`,
      };
    return { outcome: "refused", by: restore.name, why: e.restoreAttempts.at(-1)?.summary ?? firstLine(restore) };
  }
  const oracle = first((c) => ORACLE_CHECKS.has(c.name));
  if (oracle)
    return {
      outcome: oracle.name === "ledger-oracle" && onlyTornCut(oracle) ? "cut" : "oracle",
      by: oracle.name,
      why: firstLine(oracle),
    };
  const other = first((c) => c.name !== DEEP_VERIFY);
  if (other) return { outcome: "invariant", by: other.name, why: firstLine(other) };
  const deep = e.checks.find((c) => c.name === DEEP_VERIFY);
  if (!deep)
    return {
      outcome: "unknown",
      by: null,
      why: "the drill passed but no deep verification ran: harmless and MISSED cannot be told apart",
    };
  if (deep.valid === false)
    return {
      outcome: "MISSED",
      by: DEEP_VERIFY,
      why: `the drill passed, the deep verification found damage: ${firstLine(deep)}`,
    };
  return { outcome: "harmless", by: DEEP_VERIFY, why: harmlessBecause(e.faults[0], deep) };
}
