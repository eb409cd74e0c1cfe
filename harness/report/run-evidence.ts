import { readFileSync } from "node:fs";
import type { Evidence, Initiator } from "../evidence.ts";

export const RUN_EVIDENCE_SCHEMA = "dr-drill/run-evidence@1";

/** One cell of the version compatibility matrix: a backup from one version restored into another. */
export interface MatrixCell {
  engine: string;
  method: string;
  from: string;
  to: string;
  verdict: Evidence["verdict"];
  summary: string;
  drillId: string;
}

/** Which slice of a planned run this is: `dr-drill run --shard index/count`; `plan` names the whole selection. */
export interface ShardOf {
  index: number;
  count: number;
  /** Digest of the whole plan (every drill the flags and config select, before slicing): shards of one run share it. */
  plan: string;
  /** Drills in the whole plan. */
  planned: number;
}

/** One run a merged report was made from, as its sealed report directory said. */
export interface MergedShard {
  runId: string;
  shard: ShardOf | null;
  startedAt: string;
  endedAt: string;
  verdict: Evidence["verdict"];
  drills: number;
  /** SHA-256 of the shard's manifest.sha256, which was verified before merging. */
  manifestSha256: string;
  signature: "valid" | "absent";
}

/** The evidence of a whole run: every drill's record, with who ran it, against which targets, and the overall verdict. */
export interface RunEvidence {
  schema: typeof RUN_EVIDENCE_SCHEMA;
  runId: string;
  startedAt: string;
  endedAt: string;
  tool: { name: "dr-drill"; version: string };
  initiator: Initiator;
  targets: { rtoMs?: number; rpoMs?: number };
  verdict: Evidence["verdict"];
  /** `passed`: drills that did what their scenario expected (a detected fault counts as passed). */
  counts: { drills: number; passed: number; failed: number; unknown: number };
  /** Present when a drill restored into another version than it backed up from. */
  matrix: MatrixCell[] | null;
  /** Secrets too short or too common to redact without damaging the report: where each came from, never the value. */
  weakCredentials: { source: string; reason: string }[];
  drills: Evidence[];
  /** Set on a run of one shard; null otherwise (absent in reports of earlier versions). */
  shard?: ShardOf | null;
  /** Set on a report made by `dr-drill merge-reports`: the shard runs it combines. */
  mergedFrom?: MergedShard[] | null;
}

export function toolVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function compatibilityMatrix(drills: Evidence[]): MatrixCell[] | null {
  if (!drills.some((d) => d.scope.restoreTarget.version !== d.scope.version)) return null;
  return drills.map((d) => ({
    engine: d.scope.engine,
    method: d.scope.backupMethod,
    from: d.scope.version,
    to: d.scope.restoreTarget.version,
    verdict: d.verdict,
    summary: d.verdict === "pass" ? "restores, every record checked" : `${d.expectation.observed}: ${d.restoreAttempts.at(-1)?.summary ?? d.reasons[0] ?? d.verdict}`,
    drillId: d.drillId,
  }));
}

/**
 * A run passes when every drill did what its scenario expected (`expectation.met`, decided once by
 * harness/expectation.ts): restored and checked, or (for a fault drill) failed for the stated reason. A drill that
 * could not decide never meets its expectation; it makes the run undecided unless another one failed outright.
 */
export function runVerdict(drills: Evidence[]): Evidence["verdict"] {
  if (drills.length === 0) return "unknown";
  if (drills.every((d) => d.expectation.met)) return "pass";
  return drills.some((d) => d.verdict !== "unknown" && !d.expectation.met) ? "fail" : "unknown";
}

/** Drills that did what they were expected to, did not, or could not decide. */
export function runCounts(drills: Evidence[]): RunEvidence["counts"] {
  return {
    drills: drills.length,
    passed: drills.filter((d) => d.expectation.met).length,
    failed: drills.filter((d) => !d.expectation.met && d.verdict !== "unknown").length,
    unknown: drills.filter((d) => !d.expectation.met && d.verdict === "unknown").length,
  };
}
