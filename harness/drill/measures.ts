import type { CheckResult } from "../checkers/checker.ts";
import type { OracleFigures } from "../checkers/ledger-oracle.ts";
import type { Evidence } from "../evidence.ts";
import { formatMs } from "../progress.ts";

/** The moments on the drill clock that RTO and RPO are measured between (docs/evidence.md, "RTO and RPO"). */
export interface Moments {
  /** The last acknowledged write before the source was lost: the disaster, as far as data is concerned. */
  disasterAt?: number;
  /** Destroying the source began. */
  destroyAt?: number;
  /** Destroying the source ended. */
  destroyedAt?: number;
  /** This target's restore side began (right after the destroy, or after the restores of earlier targets). */
  restoreFrom?: number;
  /** The restored node was up and serving. */
  restoredAt?: number;
  /** How long the first write on the restored node took, when it succeeded. */
  probeMs?: number;
  /** Reading back and checking the restored state. */
  verifyMs?: number;
}

/**
 * RTO: destroy → restored node serving, plus its first write; only for a drill that recovered (every check held).
 * Restores of earlier targets of the same backup are not in it: the destroy, then this target's own restore.
 * RPO: disaster → recovery point, the newest acknowledged write whose value the restored state shows, but never later
 * than the oldest acknowledged write surely missing (the data lost reaches back to it). Nothing shown (an empty
 * restore, only absent keys): no recovery point, so no RPO and no target met. Lost writes: the oracle's two counts, apart.
 */
export function measure(m: Moments, oracle: OracleFigures | null, recovered: boolean): Evidence["achieved"] {
  const { destroyAt, destroyedAt, restoreFrom, restoredAt, probeMs } = m;
  const rtoMs =
    recovered &&
    destroyAt !== undefined &&
    destroyedAt !== undefined &&
    restoreFrom !== undefined &&
    restoredAt !== undefined &&
    probeMs !== undefined
      ? destroyedAt - destroyAt + (restoredAt - restoreFrom) + probeMs
      : null;
  const newest = oracle?.newestSurvivingAck;
  const recoveryPoint = newest === undefined ? undefined : Math.min(newest, oracle?.earliestMissingAck ?? Infinity);
  // The oracle reads ledger times to the microsecond: compare at that precision.
  const rpoMs =
    m.disasterAt !== undefined && recoveryPoint !== undefined
      ? Math.max(0, Math.round((m.disasterAt - recoveryPoint) * 1000) / 1000)
      : null;
  return {
    rtoMs,
    verifyMs: m.verifyMs ?? null,
    rpoMs,
    writesLost: oracle
      ? { insideRecoveryPoint: oracle.lostInsideRecoveryPoint, afterRecoveryPoint: oracle.ackedLostAfterRecoveryPoint }
      : null,
  };
}

/** Each target a run may set, its check, and what its check says when the drill measured nothing to hold it to. */
const TARGETS = [
  {
    key: "rtoMs",
    check: "rto-target",
    label: "RTO",
    unmeasured: (t: string) => `not recovered: RTO target ${t} missed`,
  },
  { key: "rpoMs", check: "rpo-target", label: "RPO", unmeasured: (t: string) => `RPO unknown: target ${t} not proven` },
] as const;

/** A check per target: a drill that misses one fails. */
export function targetChecks(achieved: Evidence["achieved"], targets: Evidence["targets"]): CheckResult[] {
  return TARGETS.flatMap(({ key, check, label, unmeasured }) => {
    const target = targets[key];
    if (target === undefined) return [];
    const got = achieved[key];
    const met = got !== null && got <= target;
    const summary =
      got === null
        ? unmeasured(formatMs(target))
        : `${label} ${formatMs(got)} ${met ? "within" : "exceeds"} target ${formatMs(target)}`;
    return [{ name: check, valid: met, summary }];
  });
}
