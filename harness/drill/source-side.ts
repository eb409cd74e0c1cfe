import { join } from "node:path";
import type { CheckResult } from "../checkers/checker.ts";
import type { StateSummary } from "../checkers/equivalence.ts";
import type { BackupArtifact, DrillRuntime, EngineNode } from "../engine.ts";
import { manifestOf, type ArtifactFile } from "../evidence.ts";
import type { FaultRecord } from "../faults.ts";
import type { Ledger } from "../ledger.ts";
import type { Progress } from "../progress.ts";
import type { ResolvedImage } from "../runtime/images.ts";
import { removeManaged } from "../runtime/resources.ts";
import { takeBackup, type BackupOutcome } from "./backup.ts";
import { readState } from "./check.ts";
import { sealOf, type ArtifactSeal } from "./seal.ts";
import type { Moments } from "./measures.ts";
import type { SourceOptions } from "./options.ts";
import { Interrupted, PhaseError, type Phases } from "./phases.ts";
import { ProcedureFailure } from "../procedure/step.ts";

/** What the source side leaves for every restore of its backup. */
export interface SourceOutcome<Artifact> {
  sourceImages: ResolvedImage[];
  recordsLoaded: number;
  backup: BackupOutcome<Artifact> | undefined;
  /** The backup's files as it was made, before any fault. */
  artifacts: ArtifactFile[];
  /** The backup as the restores get it (after the faults), when several restores read it. */
  sealed?: ArtifactSeal;
  sourceState: StateSummary | undefined;
  injected: FaultRecord[];
  /** Checks made on the source (what a failed backup attempt left behind). */
  checks: CheckResult[];
  moments: Pick<Moments, "disasterAt" | "destroyAt" | "destroyedAt">;
  /** Set when the source side could not finish (our error, Docker, a time-out): no restore can be judged. */
  undecided: string | undefined;
  interrupted: string | null;
}

/**
 * The source side of a drill: provision → load → [fault prep] → backup under load → snapshot source → ledger closed →
 * inject faults → destroy. Never throws: an error is `undecided` in the outcome. Always removes what it started (the
 * containers labelled with `rt.drillId`), and leaves the ledger closed on disk.
 */
export async function runSourceSide<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  opts: SourceOptions<Payload, Node, Artifact>,
  ctx: { seed: number; rt: DrillRuntime; progress: Progress; phases: Phases; ledger: Ledger; seal: boolean },
): Promise<SourceOutcome<Artifact>> {
  const { engine } = opts;
  const { rt, progress, phases, ledger } = ctx;
  const faults = opts.faults ?? [];
  const dataset = { seed: ctx.seed, rows: opts.rows };
  const sourcePath = join(rt.workDir, "source.tsv");
  const out: SourceOutcome<Artifact> = {
    sourceImages: [],
    recordsLoaded: 0,
    backup: undefined,
    artifacts: [],
    sourceState: undefined,
    injected: [],
    checks: [],
    moments: {},
    undecided: undefined,
    interrupted: null,
  };
  let source: Node | undefined;
  try {
    const node = (source = await phases.run("provision", async () => {
      const n = await engine.provision(rt);
      out.sourceImages = n.images;
      return { value: n, counts: { images: n.images.map((i) => `${i.ref} (${i.source})`).join(", ") } };
    }));
    out.recordsLoaded = await phases.run("load", async (p) => {
      const stats = await node.load(dataset, ledger, p);
      return {
        value: stats.records,
        counts: {
          records: stats.records,
          ...(stats.bytes ? { bytes: stats.bytes } : {}),
          "records/s": Math.round(stats.records / (p.elapsedMs() / 1000)),
        },
      };
    });
    for (const fault of faults) {
      const prepare = fault.beforeBackup;
      if (prepare)
        await phases.run(`prepare-fault ${fault.name}`, async () => ({
          value: await prepare({ takeBackup: (d) => engine.backup(node, d, rt), runtime: rt }),
        }));
    }
    const taken = (out.backup = await phases.run("backup", async (p) => {
      const b = await takeBackup(
        {
          engine,
          node,
          rt,
          ledger,
          dataset,
          plan: opts.workload,
          faults,
          readSource: (rp) => readState(node, sourcePath, rp),
        },
        p,
      );
      out.artifacts = await manifestOf(b.artifact.dir);
      const w = b.workload;
      const bytes = out.artifacts.reduce((n, f) => n + f.bytes, 0);
      return {
        value: b,
        counts: {
          files: out.artifacts.length,
          bytes,
          "backup-ms": Math.round(b.durationMs),
          ...(w ? { "writes-ok": w.ok, "writes-info": w.info, "writes-fail": w.fail } : {}),
        },
      };
    }));
    out.checks.push(...taken.afterFailureChecks);
    out.sourceState = taken.sourceState;
    if (!opts.workload && engine.backupMode !== "offline") {
      out.sourceState = await phases.run("snapshot source", async (p) => {
        const s = await readState(node, sourcePath, p);
        return { value: s, counts: { records: s.count } };
      });
    }
    // A recovery to T is asked for the state at T: the RPO runs back from T, not from the last write.
    out.moments.disasterAt = taken.artifact.recoveryTarget?.from ?? ledger.newestAckAt;
    await ledger.close(); // the history is on disk before anything is destroyed or checked
    for (const fault of faults) {
      const record = await phases.run(`inject ${fault.name}`, async () => {
        const r = await fault.apply(taken.artifact);
        return { value: r, counts: { target: r.target } };
      });
      out.injected.push(record);
      progress.info(`  fault: ${fault.description} → ${JSON.stringify(record.detail)}`);
    }
    if (ctx.seal) out.sealed = await sealOf(taken.artifact.dir);
    out.moments.destroyAt = rt.clock.now();
    await phases.run("destroy source", async () => {
      await node.destroy();
      source = undefined;
      return { value: undefined };
    });
    out.moments.destroyedAt = rt.clock.now();
  } catch (err) {
    // A procedure of the config whose backup step failed: its failure, a finding of the drill, not ours.
    const failure = err instanceof PhaseError && err.phase === "backup" ? err.cause : undefined;
    if (failure instanceof ProcedureFailure)
      out.checks.push({
        name: "backup",
        valid: false,
        summary: failure.message.split("\n")[0]!,
        details: { outputTail: failure.outputTail },
      });
    else out.undecided = err instanceof Error ? err.message : String(err);
    if (err instanceof Interrupted) out.interrupted = err.message;
  } finally {
    await ledger.close().catch(() => undefined);
    await removeManaged({ drillId: rt.drillId }).catch((e: Error) => progress.info(`cleanup failed: ${e.message}`));
    await source?.destroy().catch(() => undefined);
  }
  return out;
}
