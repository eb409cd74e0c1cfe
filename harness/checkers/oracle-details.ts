import { detailsOf, isNumber, isRecord, type CheckKind } from "./check-details.ts";
import type { CheckResult } from "./checker.ts";
import { VIOLATIONS, type Consistency, type OracleDetails, type RecordModel } from "./ledger-oracle.ts";

const isNumberOrAbsent = (x: unknown) => x === undefined || isNumber(x);
const FIGURES = [
  "keysChecked",
  "ackedBeforeWindow",
  "keysPresent",
  "lostInsideRecoveryPoint",
  "ackedLostAfterRecoveryPoint",
  "infoRecovered",
  "duplicatesSeen",
] as const;
const CUT_FIGURES = ["toleranceMs", "groups", "tornGroups", "untimedKeys"] as const;
const TORN_FIGURES = ["visibleInvokeAt", "missingCompleteAt", "byMs"] as const;
const CONSISTENCIES: readonly unknown[] = ["point-in-time", "prefix-per-stream", "per-key"] satisfies Consistency[];
const DUPLICATES: readonly unknown[] = [undefined, "allowed", "forbidden"] satisfies RecordModel["duplicates"][];

function isTornCut(x: unknown): boolean {
  return (
    isRecord(x) &&
    TORN_FIGURES.every((f) => isNumber(x[f])) &&
    typeof x.group === "string" &&
    typeof x.visibleKey === "string" &&
    typeof x.missingKey === "string"
  );
}

/** The ledger oracle's details as the oracle writes them (a JSON round trip drops the undefined figures). */
export function isOracleDetails(x: unknown): x is OracleDetails {
  if (
    !isRecord(x) ||
    !FIGURES.every((f) => isNumber(x[f])) ||
    !isNumberOrAbsent(x.newestSurvivingAck) ||
    !isNumberOrAbsent(x.earliestMissingAck)
  )
    return false;
  const { violations, cut, window, model } = x;
  return (
    isRecord(violations) &&
    VIOLATIONS.every((v) => isNumber(violations[v])) &&
    isRecord(cut) &&
    CONSISTENCIES.includes(cut.consistency) &&
    CUT_FIGURES.every((f) => isNumber(cut[f])) &&
    (cut.worst === undefined || isTornCut(cut.worst)) &&
    isRecord(window) &&
    isNumber(window.start) &&
    isNumber(window.end) &&
    isRecord(model) &&
    CONSISTENCIES.includes(model.consistency) &&
    isNumberOrAbsent(model.toleranceMs) &&
    DUPLICATES.includes(model.duplicates)
  );
}

export const LEDGER_ORACLE: CheckKind<OracleDetails> = { name: "ledger-oracle", holds: isOracleDetails };

/** The ledger oracle's figures among a drill's checks, or undefined when it did not judge (no restored state). */
export const oracleDetails = (checks: readonly CheckResult[]): OracleDetails | undefined =>
  detailsOf(checks, LEDGER_ORACLE);
