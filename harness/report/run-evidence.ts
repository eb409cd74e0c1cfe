import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { packageVersion } from "../package-info.ts";
import { fileURLToPath } from "node:url";
import type { Evidence } from "../evidence.ts";
import type { MatrixCell, PlannedDrill, RunEvidence, Tool } from "../schema/evidence-run.ts";

// A run's evidence and its parts are defined, with their docs, in harness/schema/evidence-run.ts.
export type { MatrixCell, MergedShard, PlannedDrill, RunEvidence, ShardOf, Tool } from "../schema/evidence-run.ts";
export { RUN_EVIDENCE_SCHEMA } from "../schema/evidence-run.ts";

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
