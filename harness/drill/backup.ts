import { join } from "node:path";
import type { CheckResult } from "../checkers/checker.ts";
import type { BackupWindow } from "../checkers/ledger-oracle.ts";
import type { StateSummary } from "../checkers/equivalence.ts";
import type { BackupArtifact, DrillRuntime, Engine, EngineNode } from "../engine.ts";
import type { DrillFault } from "../faults.ts";
import type { Ledger } from "../ledger.ts";
import type { PhaseProgress } from "../progress.ts";
import { WorkloadRunner, type WorkloadStats } from "../workload.ts";
import type { WorkloadPlan } from "./options.ts";

export interface BackupOutcome<Artifact> {
  artifact: Artifact;
  /** From invoking the successful attempt to the moment the engine's procedure finished. */
  window: BackupWindow;
  durationMs: number;
  /** Errors of attempts that failed before one succeeded (a fault that breaks the first copy). */
  failedAttempts: string[];
  /** What faults checked after a failed attempt (e.g. the checkpoint was released). */
  afterFailureChecks: CheckResult[];
  workload: WorkloadStats | null;
  /** An offline backup reads the source state before stopping the node. */
  sourceState?: StateSummary;
}

export interface BackupContext<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact> {
  engine: Engine<Payload, Node, Artifact>;
  node: Node;
  rt: DrillRuntime;
  ledger: Ledger;
  dataset: { seed: number; rows: number };
  plan?: WorkloadPlan;
  faults: DrillFault<Node, Artifact>[];
  readSource(p: PhaseProgress): Promise<StateSummary>;
}

/**
 * The backup phase. Online and stop-copy-start: writers start, the backup begins once writes are in flight, writing
 * goes on for the tail after it (after the restart, for stop-copy-start). Offline: writers start, then drain and stop,
 * the source state is read, then the engine stops the node and copies it. Attempts that fail on purpose are taken
 * again when a fault allows it.
 */
export async function takeBackup<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  ctx: BackupContext<Payload, Node, Artifact>,
  p: PhaseProgress,
): Promise<BackupOutcome<Artifact>> {
  const { engine, node, rt, plan } = ctx;
  const runner = plan
    ? new WorkloadRunner(engine.workload(ctx.dataset), () => node.openWorkloadClient(), ctx.ledger, rt.clock, plan)
    : undefined;
  let workload: WorkloadStats | null = null;
  rt.signal.addEventListener("abort", () => void runner?.stop(), { once: true });
  const stopWorkload = async (): Promise<WorkloadStats | null> => {
    if (runner && !workload) workload = await runner.stop();
    return workload;
  };
  try {
    if (runner && plan) {
      await runner.start();
      await runner.completedAtLeast(plan.leadInOps);
    }
    let sourceState: StateSummary | undefined;
    if (engine.backupMode === "offline") {
      const drained = await stopWorkload();
      rt.log(
        `  offline backup: writers drained (${drained?.invoked ?? 0} ops), reading the source before the node stops`,
      );
      sourceState = await ctx.readSource(p);
    }
    const maxAttempts = Math.max(1, ...ctx.faults.map((f) => f.backupAttempts ?? 1));
    const failedAttempts: string[] = [];
    const afterFailureChecks: CheckResult[] = [];
    for (let attempt = 1; ; attempt++) {
      const start = rt.clock.now();
      try {
        const artifact = await engine.backup(
          node,
          join(rt.workDir, attempt === 1 ? "backup" : `backup-${attempt}`),
          rt,
        );
        const window = { start, end: artifact.finishedAt };
        const durationMs = rt.clock.now() - start;
        if (runner && plan && engine.backupMode !== "offline") await sleep(plan.tailMs, rt.signal);
        return {
          artifact,
          window,
          durationMs,
          failedAttempts,
          afterFailureChecks,
          workload: await stopWorkload(),
          ...(sourceState ? { sourceState } : {}),
        };
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (attempt >= maxAttempts || rt.signal.aborted) throw error;
        failedAttempts.push(error.message);
        rt.log(`  backup attempt ${attempt} failed: ${error.message.split("\n")[0]}`);
        for (const f of ctx.faults)
          if (f.afterFailedBackup) afterFailureChecks.push(...(await f.afterFailedBackup(node, error, rt)));
      }
    }
  } finally {
    await stopWorkload();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
