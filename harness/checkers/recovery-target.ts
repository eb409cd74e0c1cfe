import { isNumber, isRecord, type CheckKind } from "./check-details.ts";
import type { CheckResult } from "./checker.ts";
import type { BackupWindow, OracleFigures } from "./ledger-oracle.ts";

/**
 * The instant a point-in-time recovery was asked to stop at (docs/design.md, "Point-in-time recovery"). The engine
 * gets `serverTime`, read from the server's own clock: the clock that stamps its commits, so the engine's stop is
 * exact on its side. The ledger's times are on the drill clock, which is never compared with the server's: the server
 * read its clock while the query was in flight, so on the drill clock T lies inside [`from`, `to`], the query's
 * invocation and completion. A write acknowledged before `from` committed before T; a write invoked after `to`
 * committed after it; a write in flight across the interval may go either way. Clock skew between client and server
 * therefore does not matter; `clientTimeAt` only records it.
 */
export interface RecoveryTarget {
  /** T as the server stated it and as the restore was given it (ISO 8601, UTC). */
  serverTime: string;
  /** How T was read, e.g. `SELECT clock_timestamp()`. */
  how: string;
  /** Drill-clock invocation of the query that read T. */
  from: number;
  /** Drill-clock completion of that query. */
  to: number;
  /** The client's wall clock halfway through that query (UTC), beside `serverTime`: their difference is the skew. */
  clientTimeAt: string;
}

/** The window the oracle judges a recovery to T against: acknowledged before `from` present, invoked after `to` absent. */
export function recoveryWindow(target: RecoveryTarget): BackupWindow {
  return { start: target.from, end: target.to };
}

/** Server time minus the client's wall clock at the same moment, to within half the query's round trip. */
export function clockSkewMs(target: RecoveryTarget): number {
  return Date.parse(target.serverTime) - Date.parse(target.clientTimeAt);
}

export interface RecoveryTargetDetails {
  target: RecoveryTarget;
  skewMs: number;
  /** Writes acknowledged before T that the restored state lacks (oracle: lost or stale). */
  missingBeforeTarget: number;
  /** Values present that only writes invoked after T wrote (oracle: future). */
  presentAfterTarget: number;
  /**
   * A proven lower bound of how far before T the restored state stops, in ms: the oldest write acknowledged before T
   * that is missing completed that long before T. Absent when nothing before T is missing.
   */
  stopsBeforeTargetMs?: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

/**
 * `recovery-target`: did the restore stop AT T? Fails when writes acknowledged before T are missing (stopped early,
 * with the gap) or values written only after T are present (went past it). Reads the oracle's figures, which were
 * judged against `recoveryWindow(target)`; without them (the read-back failed) it cannot decide, and with nothing
 * acknowledged before T it proves nothing (a restore that stopped anywhere earlier would pass as well).
 */
export function recoveryTargetCheck(
  target: RecoveryTarget,
  oracle: OracleFigures | null,
): CheckResult<RecoveryTargetDetails> {
  const name = "recovery-target";
  const at = `T = ${target.serverTime} (server clock)`;
  if (!oracle) return { name, valid: "unknown", summary: `${at}: no restored state to check` };
  const missing = oracle.violations.lost + oracle.violations.stale;
  const future = oracle.violations.future;
  const early = oracle.earliestMissingAck;
  const details: RecoveryTargetDetails = {
    target,
    skewMs: clockSkewMs(target),
    missingBeforeTarget: missing,
    presentAfterTarget: future,
    ...(missing > 0 && early !== undefined ? { stopsBeforeTargetMs: Math.max(0, target.from - early) } : {}),
  };
  const problems = [
    ...(missing > 0
      ? [
          `stops before the target: ${missing} write(s) acknowledged before T missing` +
            (details.stopsBeforeTargetMs === undefined
              ? ""
              : `, the restored state stops at least ${seconds(details.stopsBeforeTargetMs)} before T`),
        ]
      : []),
    ...(future > 0 ? [`goes past the target: ${future} value(s) written only by writes invoked after T present`] : []),
  ];
  if (problems.length) return { name, valid: false, summary: `${at}: the restore ${problems.join("; it ")}`, details };
  if (oracle.ackedBeforeWindow === 0)
    return {
      name,
      valid: "unknown",
      summary: `${at}: no write was acknowledged before T, so a restore that stopped earlier would pass as well`,
      details,
    };
  return {
    name,
    valid: true,
    summary: `restored to ${at}: all ${oracle.ackedBeforeWindow} writes acknowledged before T present, none invoked after T present (T lies in a ${(target.to - target.from).toFixed(1)} ms window of the drill clock; writes in flight then may go either way)`,
    details,
  };
}

const isTarget = (x: unknown) => isRecord(x) && typeof x.serverTime === "string" && isNumber(x.from) && isNumber(x.to);

/** The recovery-target check's details as it writes them (a JSON round trip drops the undefined gap). */
export function isRecoveryTargetDetails(x: unknown): x is RecoveryTargetDetails {
  return (
    isRecord(x) &&
    isTarget(x.target) &&
    isNumber(x.skewMs) &&
    isNumber(x.missingBeforeTarget) &&
    isNumber(x.presentAfterTarget) &&
    (x.stopsBeforeTargetMs === undefined || isNumber(x.stopsBeforeTargetMs))
  );
}

export const RECOVERY_TARGET: CheckKind<RecoveryTargetDetails> = {
  name: "recovery-target",
  holds: isRecoveryTargetDetails,
};
