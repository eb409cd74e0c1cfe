import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  createDrillRuntime,
  newRunId,
  sharedSource,
  startSourceRuntime,
  type DrillResult,
  type SharedSource,
  type SourceOptions,
} from "../drill.ts";
import type { BackupArtifact, Engine, EngineNode } from "../engine.ts";
import { manifestOf, writeEvidence, type ReplayArgs } from "../evidence.ts";
import type { Expectation } from "../expectation.ts";
import type { DrillFault } from "../faults.ts";
import { Phases } from "../drill/phases.ts";
import { deepVerification } from "../drill/deep-verify.ts";
import { runRestoreSide } from "../drill/restore-side.ts";
import { runSourceSide, type SourceOutcome } from "../drill/source-side.ts";
import { unsealed, type ArtifactSeal } from "../drill/seal.ts";
import { judgeDrill } from "../drill/verdict.ts";
import { newSeed } from "../seed.ts";
import { classify, type CampaignOutcome } from "./classify.ts";
import {
  applyFault,
  describeFault,
  drawFault,
  faultOffset,
  type CampaignFaultSpec,
  type CampaignFile,
} from "./random-faults.ts";

const CAMPAIGN_EXPECTATION: Expectation = { outcome: "caught-or-harmless" };

/** One fault of a campaign as the table lists it: enough to read it and to replay it alone. */
export interface CampaignRow {
  index: number;
  /** The fault's own seed (derived from the campaign seed and the index). */
  seed: number;
  fault: CampaignFaultSpec;
  description: string;
  /** What kind of file the fault hit (the engine's `fileKind`, else the top directory or extension). */
  kind: string;
  outcome: CampaignOutcome;
  by: string | null;
  why: string;
  /** Every check that failed, not only the first catcher: what would still have caught it without that one. */
  failedChecks: string[];
  /** The fault's drill (its evidence directory); null when the source side left nothing to restore. */
  drillId: string | null;
  durationMs: number;
}

export interface CampaignOptions<
  Payload,
  Node extends EngineNode<Payload>,
  Artifact extends BackupArtifact,
> extends Omit<SourceOptions<Payload, Node, Artifact>, "engine" | "faults" | "scenario"> {
  engine: Engine<Payload, Node, Artifact>;
  /** Seed of the faults; the data seed by default. */
  campaignSeed?: number;
  /** How many faults to draw. */
  faults: number;
  /** Apply exactly these (a replay of recorded rows) instead of drawing. */
  only?: CampaignFaultSpec[];
  /** How to rerun one fault alone: the command and the arguments `dr-drill replay` uses. */
  replay(seed: number, fault: CampaignFaultSpec): { command: string; args: ReplayArgs | null };
}

export interface CampaignResult {
  runId: string;
  seed: number;
  campaignSeed: number;
  drills: DrillResult[];
  rows: CampaignRow[];
  /** The base backup's files, and whether its seal held from the backup to the last fault. */
  base: { files: number; bytes: number; untouched: boolean };
  timing: { wallMs: number; sourceMs: number; perFaultMs: number };
  /** Why the campaign could not take its backup, when it could not. */
  undecided: string | null;
  interrupted: string | null;
}

/** Where a path points in a backup when the engine does not say: its top directory, else its extension or name. */
export function genericKind(path: string): string {
  const [top, ...rest] = path.split("/");
  if (rest.length) return `${top}/`;
  return /\.[A-Za-z0-9_]+$/.exec(path)?.[0] ?? path;
}

/** Takes the backup this campaign restores from, and an older one before it: files for `older-file` faults. */
function keepOlderBackup<Node, Artifact extends BackupArtifact>(into: { dir?: string }): DrillFault<Node, Artifact> {
  return {
    name: "older-backup-kept",
    description: "take a backup before the workload, kept for faults that restore files from it",
    expect: CAMPAIGN_EXPECTATION,
    async beforeBackup({ takeBackup, runtime }) {
      into.dir = (await takeBackup(join(runtime.workDir, "older-backup"))).dir;
    },
    apply: async () => ({ fault: "older-backup-kept", target: ".", detail: { dir: into.dir ?? null } }),
  };
}

/**
 * A fault campaign: ONE backup under load, then for each seeded random fault a copy of it, the fault applied to the
 * copy, a restore, the drill's checks and (after a pass) the engine's deep verification on the same restored node.
 * Each fault is a drill of its own (evidence, replay); the rows classify them. The base backup is sealed after the
 * backup and checked unchanged before every copy and at the end.
 */
export async function runCampaign<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  opts: CampaignOptions<Payload, Node, Artifact>,
): Promise<CampaignResult> {
  const started = Date.now();
  const seed = opts.seed ?? newSeed();
  const campaignSeed = opts.campaignSeed ?? seed;
  const runId = opts.runId ?? newRunId();
  const { engine } = opts;
  const reportsDir = resolve(opts.reportsDir ?? "reports");
  const baseId = `campaign-${engine.name}${engine.version}-${engine.backupMethod}-${seed}`;
  const baseDir = join(reportsDir, runId, baseId);
  const workDir = join(baseDir, "work");
  await mkdir(workDir, { recursive: true });
  const { rt, progress, phases, ledger, release } = startSourceRuntime(opts, {
    engine: engine.name,
    runId,
    drillId: baseId,
    workDir,
    ledgerPath: join(baseDir, "ledger.jsonl"),
  });
  try {
    const older: { dir?: string } = {};
    progress.info(
      `campaign seed=${campaignSeed} data seed=${seed} rows=${opts.rows} engine=${engine.name} ${engine.version} method=${engine.backupMethod} faults=${opts.only?.length ?? opts.faults}`,
    );
    const source = await runSourceSide(
      { ...opts, scenario: "campaign", seed, faults: [keepOlderBackup<Node, Artifact>(older)] },
      { seed, rt, progress, phases, ledger, seal: true },
    );
    const sourceMs = Date.now() - started;
    const backup = source.backup;
    const sealed = source.sealed;
    if (source.undecided !== undefined || !backup || !sealed) {
      const why = source.undecided ?? "the source side left no backup";
      return {
        runId,
        seed,
        campaignSeed,
        drills: [],
        rows: [],
        base: { files: 0, bytes: 0, untouched: false },
        timing: { wallMs: Date.now() - started, sourceMs, perFaultMs: 0 },
        undecided: why,
        interrupted: source.interrupted,
      };
    }
    const files: CampaignFile[] = source.artifacts.map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 }));
    const olderFiles: CampaignFile[] = older.dir
      ? (await manifestOf(older.dir)).map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 }))
      : [];
    const specs =
      opts.only ?? Array.from({ length: opts.faults }, (_, i) => drawFault(campaignSeed, i + 1, files, olderFiles));
    const drills: DrillResult[] = [];
    const rows: CampaignRow[] = [];
    const shared = { opts, seed, runId, baseId, olderDir: older.dir, ...sharedSource(source, { rt, phases, ledger }) };
    for (const spec of specs) {
      if (rt.signal.aborted) break;
      await baseUnchanged(backup.artifact.dir, sealed);
      const t0 = Date.now();
      const drill = await faultDrill(shared, spec);
      drills.push(drill);
      const c = classify(drill.evidence);
      rows.push({
        index: spec.index,
        seed: spec.seed,
        fault: spec,
        description: describeFault(spec),
        kind: engine.fileKind?.(backup.artifact, spec.target, faultOffset(spec)) ?? genericKind(spec.target),
        ...c,
        failedChecks: drill.evidence.checks.filter((x) => x.valid === false).map((x) => x.name),
        drillId: drill.evidence.drillId,
        durationMs: Date.now() - t0,
      });
      progress.info(
        `fault ${spec.index}: ${describeFault(spec)} → ${c.outcome}${c.by ? ` (${c.by})` : ""}: ${c.why.split("\n")[0]}`,
      );
    }
    const untouched = (await unsealed(backup.artifact.dir, sealed)).length === 0;
    if (!opts.keepArtifacts) await rm(workDir, { recursive: true, force: true });
    const faultMs = rows.reduce((n, r) => n + r.durationMs, 0);
    return {
      runId,
      seed,
      campaignSeed,
      drills,
      rows,
      base: { files: files.length, bytes: files.reduce((n, f) => n + f.bytes, 0), untouched },
      timing: {
        wallMs: Date.now() - started,
        sourceMs,
        perFaultMs: rows.length ? Math.round(faultMs / rows.length) : 0,
      },
      undecided: null,
      interrupted: rt.signal.aborted ? `interrupted by ${String(rt.signal.reason)}` : null,
    };
  } finally {
    release();
  }
}

/** Where a fault's damaged copy stays when its outcome needs a person: MISSED (what did the checks not see?) or unknown. */
export const KEPT_DAMAGED_COPY = "damaged-artifact";

/**
 * The work directory goes; the damaged copy stays beside the evidence when the outcome is MISSED or unknown, so the
 * damage can be read again (a replay damages a new backup, whose bytes differ).
 */
async function keepOnlyWhatToStudy(
  workDir: string,
  copy: string,
  dir: string,
  outcome: CampaignOutcome,
): Promise<void> {
  // No copy when the fault could not be applied (an unknown of its own, said in the evidence).
  if ((outcome === "MISSED" || outcome === "unknown") && existsSync(copy))
    await rename(copy, join(dir, KEPT_DAMAGED_COPY));
  await rm(workDir, { recursive: true, force: true });
}

/** An error of dr-drill, not a finding: every fault must start from the backup as it was made. */
async function baseUnchanged(dir: string, sealed: ArtifactSeal): Promise<void> {
  const changed = await unsealed(dir, sealed);
  if (changed.length)
    throw new Error(
      `the campaign's base backup changed on the host (a fault or a restore wrote into it): ${changed.slice(0, 5).join(", ")}`,
    );
}

/** One fault: copy the base backup, damage the copy, restore it, check it, deep-verify a pass, write the evidence. */
async function faultDrill<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  shared: {
    opts: CampaignOptions<Payload, Node, Artifact>;
    seed: number;
    runId: string;
    baseId: string;
    olderDir: string | undefined;
  } & SharedSource<Artifact>,
  spec: CampaignFaultSpec,
): Promise<DrillResult> {
  const { opts, source, seed } = shared;
  const { engine } = opts;
  const drillId = `${shared.baseId}-f${String(spec.index).padStart(3, "0")}`;
  const dir = join(resolve(opts.reportsDir ?? "reports"), shared.runId, drillId);
  const workDir = join(dir, "work");
  await mkdir(workDir, { recursive: true });
  const ledgerPath = join(dir, "ledger.jsonl");
  await copyFile(shared.ledger.path, ledgerPath);
  const { rt, progress } = createDrillRuntime({
    runId: shared.runId,
    drillId,
    workDir,
    sink: opts.sink,
    signal: shared.signal,
    shared,
  });
  const phases = new Phases(progress, rt.clock, rt.signal, shared.sourcePhases);
  const backup = source.backup!;
  const copy = join(workDir, "artifact");
  let faultSource: SourceOutcome<Artifact>;
  try {
    const injected = await phases.run(`inject ${spec.kind}`, async () => {
      await cp(backup.artifact.dir, copy, { recursive: true });
      const r = await applyFault(spec, copy, shared.olderDir);
      return { value: r, counts: { target: r.target } };
    });
    faultSource = { ...source, injected: [injected], sealed: undefined };
  } catch (err) {
    faultSource = {
      ...source,
      injected: [],
      sealed: undefined,
      undecided: `the fault could not be applied: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const replay = opts.replay(seed, spec);
  const target = {
    engine,
    expect: CAMPAIGN_EXPECTATION,
    replayCommand: () => replay.command,
    replayArgs: replay.args ?? undefined,
  };
  const restore =
    faultSource.undecided === undefined
      ? await runRestoreSide({
          target,
          declared: CAMPAIGN_EXPECTATION,
          backup: { ...backup, artifact: { ...backup.artifact, dir: copy } },
          source: faultSource,
          faults: [],
          ledgerPath,
          rt,
          progress,
          phases,
          proveUntouched: true,
          deepVerify: deepVerification(engine, rt),
        })
      : undefined;
  const evidence = judgeDrill({
    ids: { drillId, runId: shared.runId, scenario: "campaign" },
    clock: rt.clock,
    engine,
    target: engine,
    seed,
    rows: opts.rows,
    writers: opts.workload?.writers ?? 0,
    loadedDigest: shared.ledger.loaded.hex(),
    latencies: shared.ledger.latencies,
    source: faultSource,
    restore,
    declared: CAMPAIGN_EXPECTATION,
    targets: {},
    phases: phases.records,
    replay: { seed, command: replay.command, args: replay.args },
  });
  const evidencePath = await writeEvidence(dir, evidence);
  if (!opts.keepArtifacts) await keepOnlyWhatToStudy(workDir, copy, dir, classify(evidence).outcome);
  return { evidence, evidencePath, dir };
}
