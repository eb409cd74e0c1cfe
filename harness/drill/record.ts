import type { CheckResult } from "../checkers/checker.ts";
import { clockSkewMs } from "../checkers/recovery-target.ts";
import type { DrillClock } from "../clock.ts";
import type { BackupArtifact, Engine, EngineNode } from "../engine.ts";
import { EVIDENCE_SCHEMA, initiatorFromEnv, type Evidence, type PhaseRecord } from "../evidence.ts";
import type { Expectation, Judgement, Verdict } from "../expectation.ts";
import type { RestoreOutcome } from "./restore-side.ts";
import type { SourceOutcome } from "./source-side.ts";

/** Everything a drill produced, side by side: the evidence is a function of these values only. */
export interface DrillValues<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  ids: { drillId: string; runId: string; scenario: string };
  clock: DrillClock;
  engine: Engine<Payload, Node, Artifact>;
  target: Engine<Payload, Node, Artifact>;
  seed: number;
  rows: number;
  writers: number;
  loadedDigest: string;
  latencies: Map<string, number[]>;
  source: SourceOutcome<Artifact>;
  /** Absent when the source side left nothing to restore. */
  restore: RestoreOutcome<Node> | undefined;
  checks: CheckResult[];
  declared: Expectation;
  judgement: Judgement;
  verdict: Verdict;
  targets: Evidence["targets"];
  achieved: Evidence["achieved"];
  phases: PhaseRecord[];
  undecided: string | undefined;
  interrupted: string | null;
  replay: Evidence["replay"];
}

export function buildEvidence<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  v: DrillValues<Payload, Node, Artifact>,
): Evidence {
  const { clock, source } = v;
  const { backup } = source;
  const restored = v.restore?.restored;
  const restoredState = v.restore?.checked?.restoredState;
  const reasons = [
    ...(v.undecided ? [v.undecided] : []),
    ...v.checks.filter((c) => c.valid === false || c.crashed).map((c) => `${c.name}: ${c.summary}`),
  ];
  const deviations = [
    ...(restored && restored.attempts.length > 1 ? [`restore needed ${restored.attempts.length} attempts`] : []),
    ...(backup && backup.failedAttempts.length ? [`backup needed ${backup.failedAttempts.length + 1} attempts`] : []),
    ...v.checks.filter((c) => c.valid === "unknown").map((c) => `${c.name} could not decide: ${c.summary}`),
  ];
  const w = backup?.workload;
  const target = backup?.artifact.recoveryTarget;
  return {
    schema: EVIDENCE_SCHEMA,
    ...v.ids,
    startedAt: clock.toIso(0),
    endedAt: clock.toIso(clock.now()),
    initiator: initiatorFromEnv(),
    scope: {
      engine: v.engine.name,
      version: v.engine.version,
      images: source.sourceImages.map((i) => ({ ...i })),
      restoreTarget: { version: v.target.version, images: (restored?.node?.images ?? []).map((i) => ({ ...i })) },
      backupMethod: v.engine.backupMethod,
      backupTool: backup?.artifact.tool ?? "",
      seed: v.seed,
      dataset: { rows: v.rows, recordsLoaded: source.recordsLoaded, digest: v.loadedDigest },
      recoveryPoint: backup
        ? {
            backupStartedAt: clock.toIso(backup.window.start),
            backupEndedAt: clock.toIso(backup.window.end),
            ...(target
              ? {
                  target: {
                    ...target,
                    from: clock.toIso(target.from),
                    to: clock.toIso(target.to),
                    skewMs: clockSkewMs(target),
                  },
                }
              : {}),
          }
        : { backupStartedAt: "", backupEndedAt: "" },
      consistency: v.target.records.consistency,
    },
    targets: v.targets,
    achieved: v.achieved,
    phases: v.phases,
    workload: w
      ? {
          writers: v.writers,
          invoked: w.invoked,
          ok: w.ok,
          fail: w.fail,
          info: w.info,
          gaveUp: w.gaveUp,
          latencyMs: latencySummary(v.latencies),
        }
      : null,
    backup: {
      mode: v.engine.backupMode,
      durationMs: backup?.durationMs ?? 0,
      specialModeMs: backup?.artifact.specialModeMs ?? null,
      files: source.artifacts.length,
      bytes: source.artifacts.reduce((n, f) => n + f.bytes, 0),
      failedAttempts: backup?.failedAttempts ?? [],
    },
    integrity: {
      source: source.sourceState ? { count: source.sourceState.count, digest: source.sourceState.digest } : null,
      restored: restoredState ? { count: restoredState.count, digest: restoredState.digest } : null,
    },
    restoreAttempts: restored?.attempts ?? [],
    checks: v.checks,
    faults: source.injected.map((f) => ({ ...f, expected: v.declared.outcome, observed: v.judgement.observed })),
    expectation: { ...v.judgement, declared: v.declared },
    deviations,
    artifacts: source.artifacts,
    verdict: v.verdict,
    interrupted: v.interrupted,
    reasons,
    replay: v.replay,
  };
}

function latencySummary(latencies: Map<string, number[]>): Record<string, { p50: number; p99: number; max: number }> {
  const out: Record<string, { p50: number; p99: number; max: number }> = {};
  for (const [op, list] of latencies) {
    if (op === "load") continue;
    const sorted = [...list].sort((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
    out[op] = { p50: at(0.5), p99: at(0.99), max: at(1) };
  }
  return out;
}
