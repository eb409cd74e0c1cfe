import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { packageVersion } from "../package-info.ts";
import { fileURLToPath } from "node:url";
import type { Evidence, Initiator } from "../evidence.ts";
import type { Retention, TestedArtifact } from "./audit.ts";

/** @2: a run records its plan and any interruption, and passes only when every planned drill ran (docs/evidence.md). */
export const RUN_EVIDENCE_SCHEMA = "dr-drill/run-evidence@2";

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

/**
 * Which slice of a planned run this is: `dr-drill run --shard index/count`; `plan` names the whole selection, `run`
 * the one run every shard of it belongs to.
 */
export interface ShardOf {
  index: number;
  count: number;
  /** Digest of the whole plan (every drill the flags and config select, before slicing): shards of one run share it. */
  plan: string;
  /**
   * The run nonce, the same for every shard of one run and no other (`--run-nonce`, DR_DRILL_RUN_NONCE, or the CI run
   * and attempt): shards of two runs of one plan are not merged as one.
   */
  run: string;
  /** Drills in the whole plan. */
  planned: number;
}

/**
 * One drill a run set out to run (`dr-drill run` plans one per restore target of each scenario, version and method
 * selected; a shard plans its slice), and the drill record it made: null when it did not run.
 */
export interface PlannedDrill {
  engine: string;
  version: string;
  method: string;
  scenario: string;
  /** The version it restores into; null: the version it backs up from. */
  restoreInto: string | null;
  drillId: string | null;
}

/** One run a merged report was made from, as its sealed report directory said. */
export interface MergedShard {
  runId: string;
  shard: ShardOf | null;
  startedAt: string;
  endedAt: string;
  verdict: Evidence["verdict"];
  drills: number;
  /** The dr-drill that ran the shard. */
  tool: Tool;
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
  tool: Tool;
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
  /** Every drill the run set out to run; `count` is their number. */
  planned: { count: number; drills: PlannedDrill[] };
  /** Why the run stopped early (`interrupted by SIGTERM`), even when no planned drill was left; null when it was not stopped. */
  interrupted: string | null;
  /** Set on a run of one shard; null otherwise (absent in reports of earlier versions). */
  shard?: ShardOf | null;
  /** Set on a report made by `dr-drill merge-reports`: the shard runs it combines. */
  mergedFrom?: MergedShard[] | null;
  /** Artifacts the user brought to be tested (`dr-drill verify`); null when the drills made their own backups. */
  artifactsTested?: TestedArtifact[] | null;
  /** How long to keep this report (absent in reports of earlier versions). */
  retention?: Retention;
  /** The evidence in sentences an auditor reads (harness/report/audit.ts; absent in reports of earlier versions). */
  statement?: string[];
}

/** The dr-drill that wrote a report: its version, and its git commit when it runs from a checkout of its own. */
export interface Tool {
  name: "dr-drill";
  version: string;
  /** HEAD of dr-drill's own checkout, `-dirty` when tracked files differ from it; null when not run from one. */
  commit: string | null;
}

let tool: Tool | undefined;

export function toolOf(): Tool {
  tool ??= { name: "dr-drill", version: packageVersion(), commit: toolCommit() };
  return { ...tool };
}

/** dr-drill's own commit; not that of a repository it is installed in (node_modules/dr-drill is not its own checkout). */
function toolCommit(): string | null {
  const root = realpathSync(fileURLToPath(new URL("../..", import.meta.url)));
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    if (realpathSync(git("rev-parse", "--show-toplevel")) !== root) return null;
    const head = git("rev-parse", "HEAD");
    return git("status", "--porcelain", "--untracked-files=no") ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}

export function compatibilityMatrix(drills: Evidence[]): MatrixCell[] | null {
  if (!drills.some((d) => d.scope.restoreTarget.version !== d.scope.version)) return null;
  return drills.map((d) => ({
    engine: d.scope.engine,
    method: d.scope.backupMethod,
    from: d.scope.version,
    to: d.scope.restoreTarget.version,
    verdict: d.verdict,
    summary:
      d.verdict === "pass"
        ? "restores, every record checked"
        : `${d.expectation.observed}: ${d.restoreAttempts.at(-1)?.summary ?? d.reasons[0] ?? d.verdict}`,
    drillId: d.drillId,
  }));
}

/** How far a run covered its plan: the planned drills that did not run, the drills it ran outside the plan. */
export interface Coverage {
  notRun: PlannedDrill[];
  /** Ids of drills that no planned drill names (a scenario that made more drills than it planned). */
  unplanned: string[];
  interrupted: string | null;
  /** Every planned drill ran, nothing else did, and the run was not interrupted. */
  complete: boolean;
}

export function coverageOf(run: Pick<RunEvidence, "drills" | "planned" | "interrupted">): Coverage {
  const named = new Set(run.planned.drills.map((p) => p.drillId));
  const notRun = run.planned.drills.filter((p) => p.drillId === null);
  const unplanned = run.drills.filter((d) => !named.has(d.drillId)).map((d) => d.drillId);
  return {
    notRun,
    unplanned,
    interrupted: run.interrupted,
    complete: !run.interrupted && notRun.length === 0 && unplanned.length === 0,
  };
}

/** The coverage in one line, for reports and error messages; empty when the run is complete. */
export function describeCoverage(run: Pick<RunEvidence, "drills" | "planned" | "interrupted">): string {
  const c = coverageOf(run);
  if (c.complete) return "";
  return [
    `${run.planned.count - c.notRun.length} of ${run.planned.count} planned drill(s) ran`,
    ...(c.notRun.length ? [`not run: ${c.notRun.map(describePlanned).join(", ")}`] : []),
    ...(c.unplanned.length ? [`not in the plan: ${c.unplanned.join(", ")}`] : []),
    ...(c.interrupted ? [c.interrupted] : []),
  ].join("; ");
}

export function describePlanned(p: PlannedDrill): string {
  return `${p.engine} ${p.version}${p.restoreInto && p.restoreInto !== p.version ? `→${p.restoreInto}` : ""} ${p.method} ${p.scenario}`;
}

/**
 * A run passes when every planned drill ran and did what its scenario expected (`expectation.met`, decided once by
 * harness/expectation.ts): restored and checked, or (for a fault drill) failed for the stated reason. A drill that
 * did not do it fails the run, unless its judgement is undecided (a crash of ours beside a finding is undecided too). Otherwise a drill that could not decide, a planned drill that did not run, or an
 * interruption leaves the run undecided: a run that stopped early proved nothing about the drills it skipped.
 */
export function runVerdict(run: Pick<RunEvidence, "drills" | "planned" | "interrupted">): Evidence["verdict"] {
  const { drills } = run;
  if (drills.some(missed)) return "fail";
  if (drills.length === 0 || !coverageOf(run).complete) return "unknown";
  return drills.every((d) => d.expectation.met) ? "pass" : "unknown";
}

/** Drills that did what they were expected to, did not, or could not decide. */
export function runCounts(drills: Evidence[]): RunEvidence["counts"] {
  return {
    drills: drills.length,
    passed: drills.filter((d) => d.expectation.met).length,
    failed: drills.filter(missed).length,
    unknown: drills.filter((d) => !d.expectation.met && d.expectation.observed === "undecided").length,
  };
}

/** A drill that decided and did not do what its scenario expected. */
const missed = (d: Evidence) => !d.expectation.met && d.expectation.observed !== "undecided";
