import type { CheckResult } from "../checkers/checker.ts";
import { isEngineError } from "../engine-error.ts";
import type { StateSummary } from "../checkers/equivalence.ts";
import type { BackupArtifact, DrillRuntime, EngineNode, RestoreResult } from "../engine.ts";
import type { Expectation } from "../expectation.ts";
import { recoveryTargetCheck, recoveryWindow } from "../checkers/recovery-target.ts";
import type { DrillFault } from "../faults.ts";
import type { Progress } from "../progress.ts";
import { removeManaged } from "../runtime/resources.ts";
import type { BackupOutcome } from "./backup.ts";
import { checkRestored, type CheckOutcome } from "./check.ts";
import type { Moments } from "./measures.ts";
import type { RestoreTarget } from "./options.ts";
import { Interrupted, type Phases } from "./phases.ts";
import { restoreArtifact, restoreHooksOf } from "./restore.ts";
import { unsealed, type ArtifactSeal } from "./seal.ts";
import { newWriteFailure } from "./server-log.ts";
import type { SourceOutcome } from "./source-side.ts";

/** What one restore of the backup found. */
export interface RestoreOutcome<Node> {
  restored: RestoreResult<Node> | undefined;
  checked: CheckOutcome | undefined;
  checks: CheckResult[];
  moments: Pick<Moments, "restoreFrom" | "restoredAt" | "probeMs" | "verifyMs">;
  undecided: string | undefined;
  interrupted: string | null;
}

export interface RestoreContext<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  target: RestoreTarget<Payload, Node, Artifact>;
  declared: Expectation;
  backup: BackupOutcome<Artifact>;
  source: SourceOutcome<Artifact>;
  faults: DrillFault<Node, Artifact>[];
  /** This drill's copy of the source side's ledger. */
  ledgerPath: string;
  /**
   * The artifact as the source side left it, when earlier restores read it before this one: it must be unchanged, or
   * this restore would not be of the backup the evidence names.
   */
  sealed?: ArtifactSeal;
  rt: DrillRuntime;
  progress: Progress;
  phases: Phases;
  /**
   * After a drill whose every check held, on the same restored node before it is destroyed: a deeper look (the
   * engine's own verifier, a read through its key path) that tells a harmless fault from one the checks missed.
   */
  deepVerify?: (node: Node, restored: StateSummary | null) => Promise<CheckResult>;
  /** Prove the backup untouched by the restore whatever the expectation (a fault campaign's copies). */
  proveUntouched?: boolean;
}

/**
 * The restore side of a drill: [artifact unchanged] → preflight → restore → check → probe write. Never throws: an error
 * is `undecided` in the outcome. Always removes what it started (the containers labelled with `rt.drillId`).
 */
export async function runRestoreSide<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  ctx: RestoreContext<Payload, Node, Artifact>,
): Promise<RestoreOutcome<Node>> {
  const { rt, progress, phases, backup } = ctx;
  const target = ctx.target.engine;
  const { artifact } = backup;
  const out: RestoreOutcome<Node> = {
    restored: undefined,
    checked: undefined,
    checks: [],
    moments: {},
    undecided: undefined,
    interrupted: null,
  };
  try {
    const sealed = ctx.sealed;
    if (sealed)
      await phases.run("artifact unchanged", async () => ({
        value: await sameArtifact(artifact.dir, sealed),
        counts: { files: sealed.size },
      }));
    out.moments.restoreFrom = rt.clock.now();
    out.checks.push(
      ...(await phases.run("preflight", async () => {
        const results = await target.preflight(artifact, rt);
        for (const r of results)
          progress.info(`  ${r.valid === true ? "ok" : r.valid === false ? "FAIL" : "??"} ${r.name}: ${r.summary}`);
        return {
          value: results,
          counts: { checks: results.length, failed: results.filter((r) => r.valid !== true).length },
        };
      })),
    );
    const outcome = await phases.run("restore", async () => {
      const r = await restoreArtifact({
        target,
        artifact,
        rt,
        hooks: restoreHooksOf(ctx.faults),
        proveUntouched: ctx.proveUntouched === true || ctx.declared.outcome === "refuses",
      });
      return { value: r, counts: { attempts: r.restored.attempts.length, up: r.restored.node ? "yes" : "no" } };
    });
    out.moments.restoredAt = rt.clock.now();
    out.restored = outcome.restored;
    out.checks.push(...outcome.checks);
    const up = outcome.restored.node;
    if (up) {
      const model = {
        ...target.records,
        ...(artifact.cutToleranceMs === undefined ? {} : { toleranceMs: artifact.cutToleranceMs }),
      };
      const checked = (out.checked = await phases.run("check", async (p) => {
        const c = await checkRestored({
          node: up,
          workDir: rt.workDir,
          ledgerPath: ctx.ledgerPath,
          window: artifact.recoveryTarget ? recoveryWindow(artifact.recoveryTarget) : backup.window,
          model,
          sourceState: ctx.source.sourceState,
          invariants: () => target.invariants(up, rt),
          p,
        });
        out.moments.verifyMs = p.elapsedMs();
        const keys = c.oracle?.keysChecked ?? 0;
        return {
          value: c,
          counts: {
            records: c.restoredState?.count ?? 0,
            keys,
            "keys/s": Math.round(keys / (p.elapsedMs() / 1000)),
            failed: c.checks.filter((x) => x.valid !== true).length,
          },
        };
      }));
      out.checks.push(...checked.checks);
      if (artifact.recoveryTarget) out.checks.push(recoveryTargetCheck(artifact.recoveryTarget, checked.oracle));
      out.checks.push(
        await phases.run<CheckResult>("probe write", async (p) => {
          try {
            const what = await up.probeWrite();
            out.moments.probeMs = p.elapsedMs();
            return { value: { name: "new-write", valid: true, summary: what } };
          } catch (err) {
            // Only the engine's own answer is a refused write, or an error of ours while the engine logged errors (a
            // connection it closed before CONNACK); any other error (Docker, ours) leaves the drill undecided.
            if (!isEngineError(err)) return { value: await newWriteFailure(up, err) };
            return {
              value: {
                name: "new-write",
                valid: false,
                summary: `restored engine refused a new write: ${err.message}`,
              },
            };
          }
        }),
      );
      const deepVerify = ctx.deepVerify;
      if (deepVerify && out.checks.every((c) => c.valid === true)) {
        out.checks.push(
          await phases.run<CheckResult>("deep verify", async () => ({
            value: await deepVerify(up, checked.restoredState),
          })),
        );
      }
    }
  } catch (err) {
    out.undecided = err instanceof Error ? err.message : String(err);
    if (err instanceof Interrupted) out.interrupted = err.message;
  } finally {
    await removeManaged({ drillId: rt.drillId }).catch((e: Error) => progress.info(`cleanup failed: ${e.message}`));
    await out.restored?.node?.destroy().catch(() => undefined);
  }
  return out;
}

/** Throws (an error of dr-drill or an engine, not a finding about the backup) when the artifact changed on the host. */
async function sameArtifact(dir: string, sealed: ArtifactSeal): Promise<void> {
  const changed = await unsealed(dir, sealed);
  if (changed.length)
    throw new Error(
      `the backup changed on the host after an earlier restore read it (an engine's restore must not write into it): ${changed.slice(0, 5).join(", ")}`,
    );
}
