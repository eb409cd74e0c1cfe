import { mkdir, rm, symlink, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { DrillClock } from "./clock.ts";
import { Ledger } from "./ledger.ts";
import { RecordFile } from "./records.ts";
import { WorkloadRunner, type WorkloadBounds } from "./workload.ts";
import { checkAgainstLedger, type BackupWindow } from "./checkers/ledger-oracle.ts";
import { checkEquivalence, type StateSummary } from "./checkers/equivalence.ts";
import { mergeValidity, type CheckResult } from "./checkers/checker.ts";
import type { ArtifactFault, FaultRecord, ExpectedOutcome } from "./faults.ts";
import type { BackupArtifact, DrillRuntime, Engine, EngineNode, RestoreResult } from "./engine.ts";
import { Progress, formatMs, type ProgressSink, type PhaseProgress } from "./progress.ts";
import { expectationOf, initiatorFromEnv, manifestOf, observedOutcome, verdictOf, writeEvidence, type ArtifactFile, type Evidence, type PhaseRecord, type ReplayArgs } from "./evidence.ts";
import { ImageResolver, type ImageMode, type ResolvedImage } from "./runtime/images.ts";
import { guardRun, removeManaged, runLabels } from "./runtime/resources.ts";

export interface WorkloadPlan extends WorkloadBounds {
  /** Ops completed before the backup starts, so it begins with writes in flight. */
  leadInOps: number;
  /** How long writing goes on after the backup ends, so writes after the recovery point exist (rule 3). */
  tailMs: number;
}

/** A fault with an optional step before the backup (e.g. taking the older backup it later substitutes). */
export interface DrillFault<Artifact extends BackupArtifact> extends ArtifactFault<Artifact> {
  beforeBackup?(ctx: { takeBackup(dir: string): Promise<Artifact>; runtime: DrillRuntime }): Promise<void>;
}

export interface DrillOptions<Payload, Artifact extends BackupArtifact> {
  scenario: string;
  engine: Engine<Payload, Artifact>;
  /** Restore into another version of the engine (pre-upgrade checks); the same engine by default. */
  restoreInto?: Engine<Payload, Artifact>;
  seed?: number;
  rows: number;
  workload?: WorkloadPlan;
  faults?: DrillFault<Artifact>[];
  targets?: { rtoMs?: number; rpoMs?: number };
  imageMode?: ImageMode;
  reportsDir?: string;
  runId?: string;
  /** The command that reruns this drill with the same data; gets the seed. */
  replayCommand: (seed: number) => string;
  /** The command-line arguments behind this drill, for `dr-drill replay`. */
  replayArgs?: ReplayArgs;
  keepArtifacts?: boolean;
  sink?: ProgressSink;
}

export interface DrillResult {
  evidence: Evidence;
  evidencePath: string;
  dir: string;
}

const OUTCOME_RANK: Record<ExpectedOutcome, number> = { restores: 0, refuses: 1, detects: 2 };

export function newRunId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-").replace(/Z$/, "")}-${randomBytes(2).toString("hex")}`;
}

export function newSeed(): number {
  return randomBytes(4).readUInt32BE(0) & 0x7fffffff;
}

/** What a drill lends its engine (labels, images, clock, scratch directory, log), and the progress printer behind the log. */
export function createDrillRuntime(opts: { runId: string; drillId: string; workDir: string; imageMode?: ImageMode; sink?: ProgressSink }): { rt: DrillRuntime; progress: Progress } {
  const progress = new Progress(`[${opts.drillId}]`, opts.sink);
  const rt: DrillRuntime = {
    runId: opts.runId,
    drillId: opts.drillId,
    labels: runLabels(opts.runId, opts.drillId),
    images: new ImageResolver(opts.imageMode ?? "auto", (l) => progress.info(l)),
    clock: new DrillClock(),
    workDir: opts.workDir,
    log: (l) => progress.info(l),
  };
  return { rt, progress };
}

/**
 * One disaster-recovery drill: provision → load → backup under load → destroy → restore → check → evidence.
 * Never throws for what the drill finds; the verdict and reasons are in the evidence. Always removes what it started.
 */
export async function runDrill<Payload, Artifact extends BackupArtifact>(opts: DrillOptions<Payload, Artifact>): Promise<DrillResult> {
  const seed = opts.seed ?? newSeed();
  const engine = opts.engine;
  const target = opts.restoreInto ?? engine;
  const runId = opts.runId ?? newRunId();
  const drillId = `${opts.scenario}-${engine.name}${engine.version}-${engine.backupMethod}${target !== engine ? `-to${target.version}` : ""}-${seed}`;
  const reportsDir = resolve(opts.reportsDir ?? "reports");
  const dir = join(reportsDir, runId, drillId);
  const workDir = join(dir, "work");
  await mkdir(workDir, { recursive: true });
  await linkLatest(reportsDir, runId);

  const { rt, progress } = createDrillRuntime({ runId, drillId, workDir, imageMode: opts.imageMode, sink: opts.sink });
  const clock = rt.clock;
  const replay = opts.replayCommand(seed);
  const unguard = guardRun(runId, (l) => progress.info(l));
  const phases: PhaseRecord[] = [];
  const checks: CheckResult[] = [];
  const reasons: string[] = [];
  const faults: (FaultRecord & { expected: ExpectedOutcome })[] = [];
  // A drill with faults expects the strongest of their outcomes; without, a pass.
  const expected: "pass" | ExpectedOutcome = (opts.faults ?? []).map((f) => f.expected).sort((a, b) => OUTCOME_RANK[b] - OUTCOME_RANK[a])[0] ?? "pass";
  const ledger = new Ledger(join(dir, "ledger.jsonl"), clock);
  let source: EngineNode<Payload> | undefined;
  let sourceImage: ResolvedImage | undefined;
  let restored: RestoreResult<Payload> | undefined;
  let artifact: Artifact | undefined;
  let artifacts: ArtifactFile[] = [];
  let window: BackupWindow | undefined;
  let workloadStats: Evidence["workload"] = null;
  let recordsLoaded = 0;
  let backupMs = 0;
  let destroyAt: number | undefined;
  let rtoMs: number | null = null;
  let rpoMs: number | null = null;
  let writesLost: number | null = null;
  let sourceState: StateSummary | null = null;
  let restoredState: StateSummary | null = null;
  let crashed: "unknown" | "fail" | undefined;

  const phase = async <T>(name: string, body: (p: PhaseProgress) => Promise<{ value: T; counts?: Record<string, number | string> }>): Promise<T> => {
    const p = progress.phase(name);
    const startedAt = clock.toIso(clock.now());
    try {
      const { value, counts = {} } = await body(p);
      phases.push({ name, startedAt, durationMs: p.done(counts), counts });
      return value;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      phases.push({ name, startedAt, durationMs: p.failed(message.split("\n")[0] ?? ""), counts: { error: message.slice(0, 2000) } });
      throw Object.assign(err instanceof Error ? err : new Error(message), { phase: name });
    }
  };

  progress.info(`seed=${seed} rows=${opts.rows} engine=${engine.name} ${engine.version} method=${engine.backupMethod}${target !== engine ? ` restore-into=${target.version}` : ""}`);
  try {
    source = await phase("provision", async () => {
      const node = await engine.provision(rt);
      sourceImage = node.image;
      return { value: node, counts: { image: node.image.ref, source: node.image.source } };
    });
    const node = source;
    recordsLoaded = await phase("load", async (p) => {
      const stats = await node.load({ seed, rows: opts.rows }, ledger, p);
      return { value: stats.records, counts: { records: stats.records, ...(stats.bytes ? { bytes: stats.bytes } : {}), "records/s": Math.round(stats.records / (p.elapsedMs() / 1000)) } };
    });
    for (const fault of opts.faults ?? []) {
      if (fault.beforeBackup) {
        await phase(`prepare-fault ${fault.name}`, async () => ({
          value: await fault.beforeBackup!({ takeBackup: (d) => engine.backup(node, d, rt), runtime: rt }),
        }));
      }
    }
    artifact = await phase("backup", async (p) => {
      const plan = opts.workload;
      const runner = plan ? new WorkloadRunner(engine.workload({ seed, rows: opts.rows }), () => node.openWorkloadClient(), ledger, clock, plan) : undefined;
      if (runner && plan) {
        await runner.start();
        await runner.completedAtLeast(plan.leadInOps);
      }
      const start = clock.now();
      let made: Artifact | undefined;
      try {
        made = await engine.backup(node, join(workDir, "backup"), rt);
      } finally {
        backupMs = clock.now() - start;
        window = { start, end: made?.finishedAt ?? clock.now() };
        if (runner && plan) {
          await sleep(plan.tailMs);
          const s = await runner.stop();
          workloadStats = { writers: plan.writers, invoked: s.invoked, ok: s.ok, fail: s.fail, info: s.info, latencyMs: latencySummary(ledger.latencies) };
        }
      }
      artifacts = await manifestOf(made.dir);
      const bytes = artifacts.reduce((n, f) => n + f.bytes, 0);
      p.update({ files: artifacts.length });
      return { value: made, counts: { files: artifacts.length, bytes, "backup-ms": Math.round(backupMs), ...(workloadStats ? { "writes-ok": workloadStats.ok, "writes-info": workloadStats.info, "writes-fail": workloadStats.fail } : {}) } };
    });
    if (!opts.workload) {
      sourceState = await phase("snapshot source", async (p) => {
        const file = new RecordFile(join(workDir, "source.tsv"));
        await node.readCanonical(file, p);
        const s = await file.close();
        return { value: { path: file.path, ...s }, counts: { records: s.count } };
      });
    }
    // The history is on disk before anything is destroyed or checked.
    await ledger.close();
    for (const fault of opts.faults ?? []) {
      const made = artifact;
      const record = await phase(`inject ${fault.name}`, async () => {
        const r = await fault.apply(made);
        return { value: r, counts: { target: r.target } };
      });
      faults.push({ ...record, expected: fault.expected });
      progress.info(`  fault: ${fault.description} → ${JSON.stringify(record.detail)}`);
    }
    await phase("destroy source", async () => {
      destroyAt = clock.now();
      await node.destroy();
      source = undefined;
      return { value: undefined };
    });
    const made = artifact;
    checks.push(
      ...(await phase("preflight", async () => {
        const results = await target.preflight(made, target, rt);
        for (const r of results) progress.info(`  ${r.valid === true ? "ok" : r.valid === false ? "FAIL" : "??"} ${r.name}: ${r.summary}`);
        return { value: results, counts: { checks: results.length, failed: results.filter((r) => r.valid !== true).length } };
      })),
    );
    restored = await phase("restore", async () => {
      const r = await target.restore(made, rt);
      return { value: r, counts: { attempts: r.attempts.length, up: r.node ? "yes" : "no" } };
    });
    const last = restored.attempts.at(-1);
    checks.push({
      name: "restore",
      valid: restored.node !== undefined && restored.toolErrors.length === 0,
      summary: restored.node
        ? restored.toolErrors.length
          ? `engine came up but the restore tool reported errors: ${restored.toolErrors[0]}`
          : `engine came up after ${restored.attempts.length} attempt(s)`
        : `engine did not come up: ${last?.summary ?? "no attempt made"}`,
      details: { attempts: restored.attempts.length },
    });
    const up = restored.node;
    if (up) {
      const rw = window!;
      const results = await phase("check", async (p) => {
        const file = new RecordFile(join(workDir, "restored.tsv"));
        await up.readCanonical(file, p);
        const s = await file.close();
        restoredState = { path: file.path, ...s };
        const started = p.elapsedMs();
        const oracle = await checkAgainstLedger({ ledgerPath: ledger.path, restoredPath: file.path, window: rw, workDir });
        const { figures, ...oracleCheck } = oracle; // the figures are in its details already
        const list: CheckResult[] = [oracleCheck];
        if (sourceState) list.push(await checkEquivalence(sourceState, restoredState, workDir));
        list.push(...(await target.invariants({ node: up, runtime: rt })));
        const checkMs = p.elapsedMs() - started;
        writesLost = figures.violations.lost + figures.ackedLostAfterRecoveryPoint;
        if (figures.newestSurvivingAck !== undefined && destroyAt !== undefined) rpoMs = Math.max(0, destroyAt - figures.newestSurvivingAck);
        return { value: list, counts: { records: s.count, keys: figures.keysChecked, "keys/s": Math.round(figures.keysChecked / (checkMs / 1000)), failed: list.filter((c) => c.valid !== true).length } };
      });
      checks.push(...results);
      await phase("probe write", async () => {
        try {
          const what = await up.probeWrite();
          checks.push({ name: "new-write", valid: true, summary: what });
        } catch (err) {
          checks.push({ name: "new-write", valid: false, summary: `restored engine refused a new write: ${(err as Error).message}` });
        }
        return { value: undefined };
      });
      if (mergeValidity(checks.map((c) => c.valid)) === true && destroyAt !== undefined) rtoMs = clock.now() - destroyAt;
    }
  } catch (err) {
    const failedPhase = (err as { phase?: string }).phase ?? "drill";
    crashed = failedPhase === "provision" || failedPhase === "load" ? "unknown" : "fail";
    reasons.push(`${failedPhase} failed: ${(err as Error).message}`);
  } finally {
    await ledger.close().catch(() => undefined);
    await source?.destroy().catch(() => undefined);
    await restored?.node?.destroy().catch(() => undefined);
    await removeManaged({ drillId }).catch((e: Error) => progress.info(`cleanup failed: ${e.message}`));
    unguard();
  }

  const deviations: string[] = [];
  // Targets apply to drills that are meant to recover; a fault drill meant to fail has no RTO to meet.
  const targets = expected === "pass" || expected === "restores" ? (opts.targets ?? {}) : {};
  if (targets.rtoMs !== undefined) {
    const met = rtoMs !== null && rtoMs <= targets.rtoMs;
    checks.push({ name: "rto-target", valid: met, summary: rtoMs === null ? `not recovered: RTO target ${formatMs(targets.rtoMs)} missed` : `RTO ${formatMs(rtoMs)} ${met ? "within" : "exceeds"} target ${formatMs(targets.rtoMs)}` });
  }
  if (targets.rpoMs !== undefined) {
    const met = rpoMs !== null && rpoMs <= targets.rpoMs;
    checks.push({ name: "rpo-target", valid: met, summary: rpoMs === null ? `RPO unknown: target ${formatMs(targets.rpoMs)} not proven` : `RPO ${formatMs(rpoMs)} ${met ? "within" : "exceeds"} target ${formatMs(targets.rpoMs)}` });
  }
  if (restored && restored.attempts.length > 1) deviations.push(`restore needed ${restored.attempts.length} attempts`);
  for (const c of checks) {
    if (c.valid === false) reasons.push(`${c.name}: ${c.summary}`);
    if (c.valid === "unknown") deviations.push(`${c.name} could not decide: ${c.summary}`);
  }
  const verdict = crashed ?? verdictOf(checks.map((c) => c.valid));
  const endedAt = clock.now();
  const evidence: Evidence = {
    schema: "dr-drill/evidence@1",
    drillId,
    runId,
    scenario: opts.scenario,
    startedAt: clock.toIso(0),
    endedAt: clock.toIso(endedAt),
    initiator: initiatorFromEnv(),
    scope: {
      engine: engine.name,
      version: engine.version,
      image: sourceImage ? { ...sourceImage } : null,
      restoreTarget: { version: target.version, image: restored?.node ? { ...restored.node.image } : null },
      backupMethod: engine.backupMethod,
      backupTool: artifact?.tool ?? "",
      seed,
      dataset: { rows: opts.rows, recordsLoaded, digest: ledger.loaded.hex() },
      recoveryPoint: window ? { backupStartedAt: clock.toIso(window.start), backupEndedAt: clock.toIso(window.end) } : { backupStartedAt: "", backupEndedAt: "" },
    },
    targets,
    achieved: { rtoMs, rpoMs, acknowledgedWritesLost: writesLost },
    phases,
    workload: workloadStats,
    backup: { durationMs: backupMs, specialModeMs: artifact?.specialModeMs ?? null, files: artifacts.length, bytes: artifacts.reduce((n, f) => n + f.bytes, 0) },
    integrity: {
      source: sourceState ? { count: (sourceState as StateSummary).count, digest: (sourceState as StateSummary).digest } : null,
      restored: restoredState ? { count: (restoredState as StateSummary).count, digest: (restoredState as StateSummary).digest } : null,
    },
    restoreAttempts: restored?.attempts ?? [],
    checks,
    faults: faults.map((f) => ({ ...f, observed: observedOutcome(verdict, f.expected) })),
    expectation: expectationOf(verdict, expected),
    deviations,
    artifacts,
    verdict,
    reasons,
    replay: { seed, command: replay, args: opts.replayArgs ? { ...opts.replayArgs } : null },
  };
  const evidencePath = await writeEvidence(dir, evidence);
  if (!opts.keepArtifacts) await rm(workDir, { recursive: true, force: true });
  progress.info(`${verdict === "pass" ? "PASS" : verdict.toUpperCase()} RTO=${rtoMs === null ? "n/a" : formatMs(rtoMs)} RPO=${rpoMs === null ? "n/a" : formatMs(rpoMs)} evidence=${evidencePath}`);
  if (faults.length) progress.info(`  expected the drill to ${expected === "detects" ? "detect" : expected === "refuses" ? "refuse" : "restore"} the fault: ${evidence.expectation.met ? "it did" : "IT DID NOT"}`);
  if (verdict !== "pass") {
    for (const r of reasons) progress.info(`  reason: ${r.split("\n")[0]}`);
    progress.info(`  seed=${seed} replay: ${replay}`);
  }
  return { evidence, evidencePath, dir };
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

async function linkLatest(reportsDir: string, runId: string): Promise<void> {
  const link = join(reportsDir, "latest");
  await unlink(link).catch(() => undefined);
  await symlink(runId, link).catch(() => undefined);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
