import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { newRunId } from "../harness/drill.ts";
import { runScenarios, type RunOutcome } from "../harness/run.ts";
import { guardRun } from "../harness/runtime/resources.ts";
import type { ReplayArgs } from "../harness/evidence.ts";
import { ensureDocker } from "../harness/runtime/docker.ts";
import { ImageResolver } from "../harness/runtime/images.ts";
import { formatMs } from "../harness/progress.ts";
import { writeRunReport } from "../harness/report/write.ts";
import { coverageOf, describePlanned, type RunEvidence } from "../harness/report/run-evidence.ts";
import { engineEntry, loadScenario } from "../engines/index.ts";
import type { RunPlan } from "./run.ts";
import type { Scenario } from "../harness/scenario.ts";

export function replayCommand(d: ReplayArgs, seed: number): string {
  return [
    "npx dr-drill run",
    `--engine ${d.engine} --version ${d.version} --method ${d.method} --scenario ${d.scenario}`,
    d.restoreInto ? `--restore-into ${d.restoreInto}` : "",
    d.schema ? `--schema ${d.schema}` : "",
    d.image ? `--image ${d.engine}=${d.image}` : "",
    d.deepVerify ? "--deep-verify" : "",
    `--rows ${d.rows} --seed ${seed} --writers ${d.writers} --images ${d.images}`,
  ]
    .filter(Boolean)
    .join(" ");
}

/** Every image the plan names, before the first drill: a missing one stops the run before anything starts. */
async function resolveImages(plan: RunPlan): Promise<void> {
  const seen = new Set<string>();
  for (const d of plan.drills) {
    const resolver = new ImageResolver(
      d.images,
      (l) => console.log(`[images] ${l}`),
      d.image ? { engine: d.engine, ref: d.image } : undefined,
    );
    for (const version of [d.version, ...(d.restoreInto ? [d.restoreInto] : [])]) {
      const key = `${d.engine}:${version}:${d.images}:${d.image ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await resolver.resolve(engineEntry(d.engine).imageSpec(version));
    }
  }
}

/** A drill's scenario: the engine's own, or one of a procedure of the config when its method names one. */
async function scenarioOf(d: ReplayArgs, plan: RunPlan): Promise<Scenario> {
  const procedure = plan.runbooks[d.engine]?.procedures?.[d.method];
  const drillsProcedures = engineEntry(d.engine).procedures;
  if (!procedure || !drillsProcedures) return loadScenario(d.engine, d.scenario);
  const found = (await drillsProcedures())(d.method, procedure).find((s) => s.name === d.scenario);
  if (!found) throw new Error(`procedure ${d.method} of ${d.engine} has no scenario "${d.scenario}"`);
  return found;
}

/** Runs the planned drills one after another, then writes and seals the run's report directory. */
export async function executeRun(plan: RunPlan): Promise<number> {
  const runId = newRunId();
  if (plan.shard)
    console.log(
      `shard ${plan.shard.index}/${plan.shard.count}: ${plan.drills.length} of the ${plan.shard.planned} planned drill(s) (plan ${plan.shard.plan})`,
    );
  if (plan.drills.length === 0) return emptyShard(plan, runId);
  await ensureDocker(console.log, { install: false });
  await resolveImages(plan);
  const scenarios = await Promise.all(plan.drills.map((d) => scenarioOf(d, plan)));
  const startedAt = new Date().toISOString();
  const interrupt = new AbortController();
  const unguard = guardRun(runId, console.log, interrupt);
  let outcome: RunOutcome;
  try {
    outcome = await runScenarios(
      plan.drills.map(({ seed, ...args }, i) => ({
        engine: args.engine,
        scenario: scenarios[i]!,
        request: {
          ...args,
          ...(seed === undefined ? {} : { seed }),
          runId,
          reportsDir: plan.reports,
          targets: plan.targets,
          keepArtifacts: plan.keepArtifacts,
          ...(plan.runbooks[args.engine]?.checks ? { userChecks: plan.runbooks[args.engine]!.checks } : {}),
          replay: (drill) => {
            const replayArgs = { ...args, version: drill.version, restoreInto: drill.restoreInto };
            return { command: replayCommand(replayArgs, drill.seed), args: replayArgs };
          },
        },
      })),
      interrupt.signal,
    );
  } finally {
    unguard();
  }
  const { results, planned, interrupted } = outcome;
  const report = await writeRunReport({
    reportsRoot: plan.reports,
    runId,
    startedAt,
    drills: results,
    planned,
    interrupted,
    targets: plan.targets,
    retention: plan.retention,
    shard: plan.shard ?? null,
    signingKey: plan.signingKey,
  });
  printSummary(report.evidence);
  console.log(
    `\nReport: ${report.dir}/report.html  (evidence.json, junit.xml, summary.md, manifest.sha256${report.signed ? ", manifest.sig, attestation.intoto.jsonl" : ""})`,
  );
  if (interrupted) {
    console.log(
      `${interrupted}: the evidence of the drill that was running says so, the run is not a pass; nothing of the run is left in Docker.`,
    );
    return interrupt.signal.reason === "SIGTERM" ? 143 : 130;
  }
  return report.evidence.verdict === "pass" ? 0 : 1;
}

/**
 * A shard with nothing to run (more shards than planned drills) still writes its sealed, empty report, so that
 * `merge-reports` sees every shard of the plan; it needs no Docker and succeeds.
 */
async function emptyShard(plan: RunPlan, runId: string): Promise<number> {
  await mkdir(join(plan.reports, runId), { recursive: true });
  const report = await writeRunReport({
    reportsRoot: plan.reports,
    runId,
    startedAt: new Date().toISOString(),
    drills: [],
    planned: [],
    interrupted: null,
    targets: plan.targets,
    retention: plan.retention,
    shard: plan.shard ?? null,
    signingKey: plan.signingKey,
  });
  console.log(`Nothing to run in this shard. Report: ${report.dir} (empty, for merge-reports)`);
  return 0;
}

function printSummary(run: RunEvidence): void {
  console.log(
    `\n${run.verdict.toUpperCase()}: ${run.counts.passed} of ${run.counts.drills} drill(s) did what their scenario expected (${run.planned.count} planned)`,
  );
  for (const e of run.drills) {
    const rto = e.achieved.rtoMs === null ? "n/a" : formatMs(e.achieved.rtoMs);
    const rpo = e.achieved.rpoMs === null ? "n/a" : formatMs(e.achieved.rpoMs);
    const expect =
      e.expectation.outcome === "pass" && e.expectation.met
        ? ""
        : ` (expected ${e.expectation.outcome}: ${e.expectation.met ? "met" : `NOT MET, ${e.expectation.why}`})`;
    console.log(
      `  ${e.verdict.toUpperCase().padEnd(7)} ${e.scope.engine} ${e.scope.version}→${e.scope.restoreTarget.version} ${e.scope.backupMethod.padEnd(8)} ${e.scenario.padEnd(14)} RTO ${rto.padEnd(7)} RPO ${rpo.padEnd(7)}${expect}`,
    );
  }
  for (const p of coverageOf(run).notRun) console.log(`  NOT RUN ${describePlanned(p)}`);
}
