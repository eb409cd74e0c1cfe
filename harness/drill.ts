import { mkdir, rm, symlink, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { DrillClock } from "./clock.ts";
import { Ledger } from "./ledger.ts";
import type { CheckResult } from "./checkers/checker.ts";
import type { StateSummary } from "./checkers/equivalence.ts";
import type { BackupArtifact, DrillRuntime, EngineNode, RestoreResult } from "./engine.ts";
import type { FaultRecord } from "./faults.ts";
import { Progress, formatMs, type ProgressSink } from "./progress.ts";
import { manifestOf, verdictOf, writeEvidence, type ArtifactFile } from "./evidence.ts";
import { judge, type Expectation } from "./expectation.ts";
import { newSeed } from "./seed.ts";
import { ImageResolver, type ImageMode, type ResolvedImage } from "./runtime/images.ts";
import { guardRun, removeManaged, runLabels } from "./runtime/resources.ts";
import { Interrupted, Phases } from "./drill/phases.ts";
import { takeBackup, type BackupOutcome } from "./drill/backup.ts";
import { checkRestored, readState, type CheckOutcome } from "./drill/check.ts";
import { restoreArtifact, restoreHooksOf } from "./drill/restore.ts";
import { measure, targetChecks, type Moments } from "./drill/measures.ts";
import { buildEvidence } from "./drill/record.ts";
import type { DrillOptions, DrillResult } from "./drill/options.ts";

export type { DrillOptions, DrillResult, WorkloadPlan } from "./drill/options.ts";

export function newRunId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-").replace(/Z$/, "")}-${randomBytes(2).toString("hex")}`;
}

/** What a drill lends its engine (labels, images, clock, scratch directory, log), and the progress printer behind the log. */
export function createDrillRuntime(opts: { runId: string; drillId: string; workDir: string; imageMode?: ImageMode; sink?: ProgressSink; signal?: AbortSignal }): { rt: DrillRuntime; progress: Progress } {
  const progress = new Progress(`[${opts.drillId}]`, opts.sink);
  const rt: DrillRuntime = {
    runId: opts.runId,
    drillId: opts.drillId,
    labels: runLabels(opts.runId, opts.drillId),
    images: new ImageResolver(opts.imageMode ?? "auto", (l) => progress.info(l)),
    clock: new DrillClock(),
    workDir: opts.workDir,
    signal: opts.signal ?? new AbortController().signal,
    log: (l) => progress.info(l),
  };
  return { rt, progress };
}

/**
 * One disaster-recovery drill, as the runbook goes: provision → load → backup (under load) → destroy → preflight →
 * restore → check → new write → evidence. Each phase is a function returning a value; the evidence is built from
 * those values. Never throws for what the drill finds: the verdict, the expectation and the reasons are in the
 * evidence. Always removes what it started, also when interrupted.
 */
export async function runDrill<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(opts: DrillOptions<Payload, Node, Artifact>): Promise<DrillResult> {
  const seed = opts.seed ?? newSeed();
  const { engine } = opts;
  const target = opts.restoreInto ?? engine;
  const faults = opts.faults ?? [];
  const declared: Expectation = opts.expect ?? faults[0]?.expect ?? { outcome: "pass" };
  const runId = opts.runId ?? newRunId();
  const drillId = `${opts.scenario}-${engine.name}${engine.version}-${engine.backupMethod}${target !== engine ? `-to${target.version}` : ""}-${seed}`;
  const reportsDir = resolve(opts.reportsDir ?? "reports");
  const dir = join(reportsDir, runId, drillId);
  const workDir = join(dir, "work");
  await mkdir(workDir, { recursive: true });
  await linkLatest(reportsDir, runId);

  const interruption = new AbortController();
  opts.signal?.addEventListener("abort", () => interruption.abort(opts.signal?.reason), { once: true });
  const { rt, progress } = createDrillRuntime({ runId, drillId, workDir, imageMode: opts.imageMode, sink: opts.sink, signal: interruption.signal });
  const unguard = guardRun(runId, (l) => progress.info(l), interruption);
  const clock = rt.clock;
  const phases = new Phases(progress, clock, rt.signal);
  const ledger = new Ledger(join(dir, "ledger.jsonl"), clock);
  const dataset = { seed, rows: opts.rows };
  const moments: Moments = {};
  const checks: CheckResult[] = [];
  let source: Node | undefined;
  let sourceImages: ResolvedImage[] = [];
  let recordsLoaded = 0;
  let backup: BackupOutcome<Artifact> | undefined;
  let artifacts: ArtifactFile[] = [];
  let sourceState: StateSummary | undefined;
  const injected: FaultRecord[] = [];
  let restored: RestoreResult<Node> | undefined;
  let checked: CheckOutcome | undefined;
  let undecided: string | undefined;
  let interrupted: string | null = null;

  progress.info(`seed=${seed} rows=${opts.rows} engine=${engine.name} ${engine.version} method=${engine.backupMethod}${target !== engine ? ` restore-into=${target.version}` : ""}`);
  try {
    const node = (source = await phases.run("provision", async () => {
      const n = await engine.provision(rt);
      sourceImages = n.images;
      return { value: n, counts: { images: n.images.map((i) => `${i.ref} (${i.source})`).join(", ") } };
    }));
    recordsLoaded = await phases.run("load", async (p) => {
      const stats = await node.load(dataset, ledger, p);
      return { value: stats.records, counts: { records: stats.records, ...(stats.bytes ? { bytes: stats.bytes } : {}), "records/s": Math.round(stats.records / (p.elapsedMs() / 1000)) } };
    });
    for (const fault of faults) {
      const prepare = fault.beforeBackup;
      if (prepare) await phases.run(`prepare-fault ${fault.name}`, async () => ({ value: await prepare({ takeBackup: (d) => engine.backup(node, d, rt), runtime: rt }) }));
    }
    const taken = (backup = await phases.run("backup", async (p) => {
      const b = await takeBackup({ engine, node, rt, ledger, dataset, plan: opts.workload, faults, readSource: (rp) => readState(node, join(workDir, "source.tsv"), rp) }, p);
      artifacts = await manifestOf(b.artifact.dir);
      const w = b.workload;
      return {
        value: b,
        counts: { files: artifacts.length, bytes: artifacts.reduce((n, f) => n + f.bytes, 0), "backup-ms": Math.round(b.durationMs), ...(w ? { "writes-ok": w.ok, "writes-info": w.info, "writes-fail": w.fail } : {}) },
      };
    }));
    checks.push(...taken.afterFailureChecks);
    sourceState = taken.sourceState;
    if (!opts.workload && engine.backupMode !== "offline") {
      sourceState = await phases.run("snapshot source", async (p) => {
        const s = await readState(node, join(workDir, "source.tsv"), p);
        return { value: s, counts: { records: s.count } };
      });
    }
    moments.disasterAt = ledger.newestAckAt;
    await ledger.close(); // the history is on disk before anything is destroyed or checked
    for (const fault of faults) {
      const record = await phases.run(`inject ${fault.name}`, async () => {
        const r = await fault.apply(taken.artifact);
        return { value: r, counts: { target: r.target } };
      });
      injected.push(record);
      progress.info(`  fault: ${fault.description} → ${JSON.stringify(record.detail)}`);
    }
    moments.destroyAt = clock.now();
    await phases.run("destroy source", async () => {
      await node.destroy();
      source = undefined;
      return { value: undefined };
    });
    checks.push(
      ...(await phases.run("preflight", async () => {
        const results = await target.preflight(taken.artifact, rt);
        for (const r of results) progress.info(`  ${r.valid === true ? "ok" : r.valid === false ? "FAIL" : "??"} ${r.name}: ${r.summary}`);
        return { value: results, counts: { checks: results.length, failed: results.filter((r) => r.valid !== true).length } };
      })),
    );
    const outcome = await phases.run("restore", async () => {
      const r = await restoreArtifact({ target, artifact: taken.artifact, rt, hooks: restoreHooksOf(faults), proveUntouched: declared.outcome === "refuses" });
      return { value: r, counts: { attempts: r.restored.attempts.length, up: r.restored.node ? "yes" : "no" } };
    });
    moments.restoredAt = clock.now();
    restored = outcome.restored;
    checks.push(...outcome.checks);
    const up = restored.node;
    if (up) {
      checked = await phases.run("check", async (p) => {
        const c = await checkRestored({ node: up, workDir, ledgerPath: ledger.path, window: taken.window, model: { ...target.records, ...(taken.artifact.cutToleranceMs === undefined ? {} : { toleranceMs: taken.artifact.cutToleranceMs }) }, sourceState, invariants: () => target.invariants(up, rt), p });
        moments.verifyMs = p.elapsedMs();
        const keys = c.oracle?.keysChecked ?? 0;
        return { value: c, counts: { records: c.restoredState?.count ?? 0, keys, "keys/s": Math.round(keys / (p.elapsedMs() / 1000)), failed: c.checks.filter((x) => x.valid !== true).length } };
      });
      checks.push(...checked.checks);
      checks.push(
        await phases.run<CheckResult>("probe write", async (p) => {
          try {
            const what = await up.probeWrite();
            moments.probeMs = p.elapsedMs();
            return { value: { name: "new-write", valid: true, summary: what } };
          } catch (err) {
            return { value: { name: "new-write", valid: false, summary: `restored engine refused a new write: ${(err as Error).message}` } };
          }
        }),
      );
    }
  } catch (err) {
    undecided = err instanceof Error ? err.message : String(err);
    if (err instanceof Interrupted) interrupted = err.message;
  } finally {
    await ledger.close().catch(() => undefined);
    await removeManaged({ drillId }).catch((e: Error) => progress.info(`cleanup failed: ${e.message}`));
    await source?.destroy().catch(() => undefined);
    await restored?.node?.destroy().catch(() => undefined);
    unguard();
  }

  // Targets apply to drills meant to recover; a fault drill meant to fail has no RTO to meet.
  const targets = declared.outcome === "pass" || declared.outcome === "restores" ? (opts.targets ?? {}) : {};
  const recovered = undecided === undefined && restored?.node !== undefined && verdictOf(checks.map((c) => c.valid)) === "pass";
  const achieved = measure(moments, checked?.oracle ?? null, recovered);
  checks.push(...targetChecks(achieved, targets));
  const verdict = undecided !== undefined ? "unknown" : verdictOf(checks.map((c) => c.valid));
  const judgement = judge(declared, { verdict, checks, restoreAttempts: restored?.attempts ?? [], failedBackups: backup?.failedAttempts ?? [], ...(undecided ? { undecided } : {}) });
  const evidence = buildEvidence({
    ids: { drillId, runId, scenario: opts.scenario },
    clock,
    engine,
    target,
    seed,
    rows: opts.rows,
    writers: opts.workload?.writers ?? 0,
    recordsLoaded,
    loadedDigest: ledger.loaded.hex(),
    sourceImages,
    backup,
    artifacts,
    sourceState,
    restored,
    checked,
    checks,
    injected,
    declared,
    judgement,
    verdict,
    targets,
    achieved,
    phases: phases.records,
    latencies: ledger.latencies,
    undecided,
    interrupted,
    replay: { seed, command: opts.replayCommand(seed), args: opts.replayArgs ?? null },
  });
  const evidencePath = await writeEvidence(dir, evidence);
  if (!opts.keepArtifacts) await rm(workDir, { recursive: true, force: true });
  report(progress, evidence, evidencePath);
  return { evidence, evidencePath, dir };
}

function report(progress: Progress, e: DrillResult["evidence"], evidencePath: string): void {
  const { rtoMs, rpoMs, verifyMs } = e.achieved;
  progress.info(`${e.verdict === "pass" ? "PASS" : e.verdict.toUpperCase()} RTO=${rtoMs === null ? "n/a" : formatMs(rtoMs)} RPO=${rpoMs === null ? "n/a" : formatMs(rpoMs)} verify=${verifyMs === null ? "n/a" : formatMs(verifyMs)} evidence=${evidencePath}`);
  if (e.expectation.outcome !== "pass") progress.info(`  expected: ${e.expectation.outcome} → ${e.expectation.met ? "met" : "NOT MET"}: ${e.expectation.why}`);
  if (e.verdict !== "pass" || !e.expectation.met) {
    for (const r of e.reasons) progress.info(`  reason: ${r.split("\n")[0]}`);
    progress.info(`  seed=${e.replay.seed} replay: ${e.replay.command}`);
  }
}

async function linkLatest(reportsDir: string, runId: string): Promise<void> {
  const link = join(reportsDir, "latest");
  await unlink(link).catch(() => undefined);
  await symlink(runId, link).catch(() => undefined);
}
