import { copyFile, mkdir, rm, symlink, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { DrillClock } from "./clock.ts";
import { Ledger } from "./ledger.ts";
import type { BackupArtifact, DrillRuntime, EngineNode } from "./engine.ts";
import { Progress, formatMs, type ProgressSink } from "./progress.ts";
import { writeEvidence, type PhaseRecord } from "./evidence.ts";
import type { Expectation } from "./expectation.ts";
import { newSeed } from "./seed.ts";
import { ImageResolver, type ImageMode, type UserImage } from "./runtime/images.ts";
import { guardRun, runLabels } from "./runtime/resources.ts";
import { Phases } from "./drill/phases.ts";
import { runSourceSide, type SourceOutcome } from "./drill/source-side.ts";
import { deepVerification } from "./drill/deep-verify.ts";
import { runRestoreSide } from "./drill/restore-side.ts";
import { judgeDrill } from "./drill/verdict.ts";
import type { ArtifactSeal } from "./drill/seal.ts";
import type { DrillOptions, DrillResult, RestoreTarget, SourceOptions } from "./drill/options.ts";

export type { DrillOptions, DrillResult, RestoreTarget, SourceOptions, WorkloadPlan } from "./drill/options.ts";

export function newRunId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-").replace(/Z$/, "")}-${randomBytes(2).toString("hex")}`;
}

/**
 * What a drill lends its engine (labels, images, clock, scratch directory, log), and the progress printer behind the
 * log. Drills restoring one backup share its clock (the ledger's times) and image resolver.
 */
export function createDrillRuntime(opts: {
  runId: string;
  drillId: string;
  workDir: string;
  imageMode?: ImageMode;
  userImage?: UserImage;
  sink?: ProgressSink;
  signal?: AbortSignal;
  shared?: Pick<DrillRuntime, "clock" | "images">;
}): { rt: DrillRuntime; progress: Progress } {
  const progress = new Progress(`[${opts.drillId}]`, opts.sink);
  const rt: DrillRuntime = {
    runId: opts.runId,
    drillId: opts.drillId,
    labels: runLabels(opts.runId, opts.drillId),
    images: opts.shared?.images ?? new ImageResolver(opts.imageMode ?? "auto", (l) => progress.info(l), opts.userImage),
    clock: opts.shared?.clock ?? new DrillClock(),
    workDir: opts.workDir,
    signal: opts.signal ?? new AbortController().signal,
    log: (l) => progress.info(l),
  };
  return { rt, progress };
}

/** What every restore side of one source side shares: its outcome, phases and ledger, its clock, images and signal. */
export type SharedSource<Artifact extends BackupArtifact> = {
  source: SourceOutcome<Artifact>;
  sourcePhases: PhaseRecord[];
  ledger: Ledger;
} & Pick<DrillRuntime, "clock" | "images" | "signal">;

export function sharedSource<Artifact extends BackupArtifact>(
  source: SourceOutcome<Artifact>,
  run: { rt: DrillRuntime; phases: Phases; ledger: Ledger },
): SharedSource<Artifact> {
  const { rt, phases, ledger } = run;
  return { source, sourcePhases: phases.records, ledger, clock: rt.clock, images: rt.images, signal: rt.signal };
}

/**
 * The runtime of a source side (a drill's, or a campaign's one backup): interrupted when `opts.signal` aborts, guarded
 * so that Ctrl-C and SIGTERM stop it cleanly, with its phases and its ledger at `ledgerPath`. `release()` ends the
 * guard once the source side and what follows it are done.
 */
export function startSourceRuntime(
  opts: { imageMode?: ImageMode; userImage?: string; sink?: ProgressSink; signal?: AbortSignal },
  at: { engine: string; runId: string; drillId: string; workDir: string; ledgerPath: string },
) {
  const interruption = new AbortController();
  opts.signal?.addEventListener("abort", () => interruption.abort(opts.signal?.reason), { once: true });
  const { rt, progress } = createDrillRuntime({
    runId: at.runId,
    drillId: at.drillId,
    workDir: at.workDir,
    imageMode: opts.imageMode,
    ...(opts.userImage ? { userImage: { engine: at.engine, ref: opts.userImage } } : {}),
    sink: opts.sink,
    signal: interruption.signal,
  });
  const release = guardRun(at.runId, (l) => progress.info(l), interruption);
  return {
    rt,
    progress,
    release,
    phases: new Phases(progress, rt.clock, rt.signal),
    ledger: new Ledger(at.ledgerPath, rt.clock),
  };
}

/**
 * One disaster-recovery drill, as the runbook goes: provision → load → backup (under load) → destroy → preflight →
 * restore → check → new write → evidence. Never throws for what the drill finds: the verdict, the expectation and the
 * reasons are in the evidence. Always removes what it started, also when interrupted.
 */
export async function runDrill<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  opts: DrillOptions<Payload, Node, Artifact>,
): Promise<DrillResult> {
  const { restoreInto, expect, replayCommand, replayArgs, deepVerify, ...source } = opts;
  const [result] = await runDrillInto(source, [
    { engine: restoreInto ?? opts.engine, expect, replayCommand, replayArgs, deepVerify },
  ]);
  if (!result) throw new Error("a drill with one restore target gave no result");
  return result;
}

/**
 * One backup restored into several targets (a pre-upgrade check: back up once on version A, restore that same artifact
 * into B, C…): the source side runs once, then each target's restore side, one after the other. Each target is a drill
 * of its own (id, directory, ledger copy, evidence, expectation, verdict, RTO/RPO, replay) whose evidence repeats the
 * shared source side: its phases, the artifact's files and sha256s, the ledger. The source side works under the first
 * target's id and in its directory (where the backup is kept with `keepArtifacts`). A source side that could not finish
 * leaves every target undecided; a target whose restore throws is undecided while the others still run.
 */
export async function runDrillInto<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  opts: SourceOptions<Payload, Node, Artifact>,
  into: RestoreTarget<Payload, Node, Artifact>[],
): Promise<DrillResult[]> {
  const seed = opts.seed ?? newSeed();
  const runId = opts.runId ?? newRunId();
  const { engine } = opts;
  const reportsDir = resolve(opts.reportsDir ?? "reports");
  const drills = into.map((target) => {
    const drillId = `${opts.scenario}-${engine.name}${engine.version}-${engine.backupMethod}${target.engine !== engine ? `-to${target.engine.version}` : ""}-${seed}`;
    const dir = join(reportsDir, runId, drillId);
    return { target, drillId, dir, workDir: join(dir, "work") };
  });
  const home = drills[0];
  if (!home) throw new Error("a drill needs at least one restore target");
  for (const d of drills) await mkdir(d.workDir, { recursive: true });
  await linkLatest(reportsDir, runId);

  const { rt, progress, phases, ledger, release } = startSourceRuntime(opts, {
    engine: engine.name,
    runId,
    drillId: home.drillId,
    workDir: home.workDir,
    ledgerPath: join(home.dir, "ledger.jsonl"),
  });
  try {
    const restoreInto = into.filter((t) => t.engine !== engine).map((t) => t.engine.version);
    progress.info(
      `seed=${seed} rows=${opts.rows} engine=${engine.name} ${engine.version} method=${engine.backupMethod}${restoreInto.length ? ` restore-into=${restoreInto.join(",")}` : ""}`,
    );
    if (drills.length > 1)
      progress.info(`one backup, restored into ${drills.length} targets: ${drills.map((d) => d.drillId).join(", ")}`);
    const source = await runSourceSide(opts, { seed, rt, progress, phases, ledger, seal: drills.length > 1 });
    const shared = { opts, seed, runId, ...sharedSource(source, { rt, phases, ledger }) };
    const results: DrillResult[] = [];
    for (const d of drills) {
      if (d !== home) await copyFile(ledger.path, join(d.dir, "ledger.jsonl"));
      results.push(
        await restoreAndRecord(shared, { ...d, sealed: d === home ? undefined : source.sealed, keepWork: d === home }),
      );
    }
    if (!opts.keepArtifacts) await rm(home.workDir, { recursive: true, force: true });
    return results;
  } finally {
    release();
  }
}

/** One target's restore side, judged and written down as a drill of its own. */
async function restoreAndRecord<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  shared: { opts: SourceOptions<Payload, Node, Artifact>; seed: number; runId: string } & SharedSource<Artifact>,
  d: {
    target: RestoreTarget<Payload, Node, Artifact>;
    drillId: string;
    dir: string;
    workDir: string;
    sealed: ArtifactSeal | undefined;
    keepWork: boolean;
  },
): Promise<DrillResult> {
  const { opts, source, seed } = shared;
  const faults = opts.faults ?? [];
  const declared: Expectation = d.target.expect ?? faults[0]?.expect ?? { outcome: "pass" };
  const { rt, progress } = createDrillRuntime({
    runId: shared.runId,
    drillId: d.drillId,
    workDir: d.workDir,
    sink: opts.sink,
    signal: shared.signal,
    shared,
  });
  const phases = new Phases(progress, rt.clock, rt.signal, shared.sourcePhases);
  const ledgerPath = join(d.dir, "ledger.jsonl");
  const backup = source.backup;
  const restore =
    source.undecided === undefined && backup
      ? await runRestoreSide({
          target: d.target,
          declared,
          backup,
          source,
          faults,
          ledgerPath,
          ...(d.sealed ? { sealed: d.sealed } : {}),
          ...(d.target.deepVerify ? { deepVerify: deepVerification(d.target.engine, rt) } : {}),
          rt,
          progress,
          phases,
        })
      : undefined;
  const evidence = judgeDrill({
    ids: { drillId: d.drillId, runId: shared.runId, scenario: opts.scenario },
    clock: rt.clock,
    engine: opts.engine,
    target: d.target.engine,
    seed,
    rows: opts.rows,
    writers: opts.workload?.writers ?? 0,
    loadedDigest: shared.ledger.loaded.hex(),
    latencies: shared.ledger.latencies,
    source,
    restore,
    declared,
    targets: opts.targets ?? {},
    phases: phases.records,
    replay: { seed, command: d.target.replayCommand(seed), args: d.target.replayArgs ?? null },
  });
  const evidencePath = await writeEvidence(d.dir, evidence);
  if (!opts.keepArtifacts && !d.keepWork) await rm(d.workDir, { recursive: true, force: true });
  report(progress, evidence, evidencePath);
  return { evidence, evidencePath, dir: d.dir };
}

function report(progress: Progress, e: DrillResult["evidence"], evidencePath: string): void {
  const { rtoMs, rpoMs, verifyMs } = e.achieved;
  progress.info(
    `${e.verdict === "pass" ? "PASS" : e.verdict.toUpperCase()} RTO=${rtoMs === null ? "n/a" : formatMs(rtoMs)} RPO=${rpoMs === null ? "n/a" : formatMs(rpoMs)} verify=${verifyMs === null ? "n/a" : formatMs(verifyMs)} evidence=${evidencePath}`,
  );
  if (e.expectation.outcome !== "pass")
    progress.info(
      `  expected: ${e.expectation.outcome} → ${e.expectation.met ? "met" : "NOT MET"}: ${e.expectation.why}`,
    );
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
