import type { BackupArtifact, EngineNode } from "../engine.ts";
import { verdictOf, type Evidence } from "../evidence.ts";
import { judge } from "../expectation.ts";
import { measure, targetChecks } from "./measures.ts";
import { buildEvidence, type DrillValues } from "./record.ts";

type Judged = "checks" | "judgement" | "verdict" | "achieved" | "undecided" | "interrupted";

/**
 * Judges one drill from its source side and its restore side: checks, RTO/RPO against the targets, verdict,
 * expectation; and writes it down as evidence. A drill whose source side could not finish is undecided, never a pass.
 */
export function judgeDrill<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  v: Omit<DrillValues<Payload, Node, Artifact>, Judged>,
): Evidence {
  const { source, restore, declared } = v;
  // A backup that failed (a failed `backup` check) is a finding; no backup without one is undecided.
  const backupFailed = source.checks.some((c) => c.name === "backup" && c.valid === false);
  const undecided =
    source.undecided ??
    (restore ? restore.undecided : backupFailed ? undefined : "the source side left no backup to restore");
  const interrupted = source.interrupted ?? restore?.interrupted ?? null;
  const checks = [...source.checks, ...(restore?.checks ?? [])];
  // Targets apply to drills meant to recover; a fault drill meant to fail has no RTO to meet.
  const targets = declared.outcome === "pass" || declared.outcome === "restores" ? v.targets : {};
  const restored = restore?.restored;
  const recovered =
    undecided === undefined && restored?.node !== undefined && verdictOf(checks.map((c) => c.valid)) === "pass";
  const achieved = measure({ ...source.moments, ...restore?.moments }, restore?.checked?.oracle ?? null, recovered);
  checks.push(...targetChecks(achieved, targets));
  const verdict = undecided !== undefined ? "unknown" : verdictOf(checks.map((c) => c.valid));
  const judgement = judge(declared, {
    verdict,
    checks,
    restoreAttempts: restored?.attempts ?? [],
    nodeUp: restored?.node !== undefined,
    failedBackups: source.backup?.failedAttempts ?? [],
    ...(undecided ? { undecided } : {}),
  });
  return buildEvidence({ ...v, targets, checks, judgement, verdict, achieved, undecided, interrupted });
}
