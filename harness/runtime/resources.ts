import { docker } from "./docker.ts";

/** Every container, volume and network dr-drill creates carries these labels; cleanup finds them by label only. */
export const MANAGED_LABEL = "dr-drill.managed";
export const RUN_LABEL = "dr-drill.run";
export const DRILL_LABEL = "dr-drill.drill";
/**
 * Everything one test run started across its worker processes, whose reaper removes it when the run ends or is
 * interrupted (reaper.ts); its id comes from the environment the run's global setup gives the workers.
 */
export const INVOCATION_LABEL = "dr-drill.invocation";
export const INVOCATION_ENV = "DR_DRILL_INVOCATION";

export function runLabels(runId: string, drillId: string): Record<string, string> {
  const invocation = process.env[INVOCATION_ENV];
  return {
    [MANAGED_LABEL]: "true",
    [RUN_LABEL]: runId,
    [DRILL_LABEL]: drillId,
    ...(invocation ? { [INVOCATION_LABEL]: invocation } : {}),
  };
}

export interface CleanupReport {
  containers: number;
  volumes: number;
  networks: number;
}

/**
 * Removes what dr-drill left: containers (with their anonymous volumes), then labelled volumes and networks.
 * With a drill, run or invocation id, only that one's; without, everything of ours (a crashed run's leftovers). Never
 * touches anything unlabelled.
 */
export async function removeManaged(
  scope: { runId?: string; drillId?: string; invocation?: string } = {},
): Promise<CleanupReport> {
  const label = scope.drillId
    ? `${DRILL_LABEL}=${scope.drillId}`
    : scope.runId
      ? `${RUN_LABEL}=${scope.runId}`
      : scope.invocation
        ? `${INVOCATION_LABEL}=${scope.invocation}`
        : `${MANAGED_LABEL}=true`;
  const filters = JSON.stringify({ label: [label] });
  const d = docker();
  const report: CleanupReport = { containers: 0, volumes: 0, networks: 0 };
  for (const c of await d.listContainers({ all: true, filters })) {
    await d.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreMissing);
    report.containers++;
  }
  const { Volumes } = await d.listVolumes({ filters });
  for (const v of Volumes ?? []) {
    await d.getVolume(v.Name).remove().catch(ignoreMissing);
    report.volumes++;
  }
  for (const n of await d.listNetworks({ filters })) {
    await d.getNetwork(n.Id).remove().catch(ignoreMissing);
    report.networks++;
  }
  return report;
}

function ignoreMissing(err: { statusCode?: number }): void {
  if (err.statusCode !== 404) throw err;
}

/** A labelled named volume: an engine's data lives here, so "destroy" can remove it explicitly. */
export async function createVolume(name: string, labels: Record<string, string>): Promise<string> {
  await docker().createVolume({ Name: name, Labels: labels });
  return name;
}

export async function removeVolume(name: string): Promise<void> {
  await docker().getVolume(name).remove().catch(ignoreMissing);
}

const activeRuns = new Set<{ runId: string; log: (line: string) => void; interrupt: AbortController }>();
/** A drill that does not wind down within this time after Ctrl-C is cut short: its resources are removed and the process exits. */
export const INTERRUPT_GRACE_MS = 8_000;
let interruptedAt: number | undefined;

function onSignal(signal: "SIGINT" | "SIGTERM"): void {
  const runs = [...activeRuns];
  const code = signal === "SIGINT" ? 130 : 143;
  const forceExit = () => {
    void Promise.all(
      runs.map(({ runId, log }) => removeManaged({ runId }).catch((e: Error) => log(`cleanup failed: ${e.message}`))),
    ).finally(() => process.exit(code));
  };
  if (interruptedAt !== undefined) return forceExit(); // a second Ctrl-C: no more waiting
  interruptedAt = Date.now();
  process.exitCode = code;
  for (const { runId, log, interrupt } of runs) {
    if (!interrupt.signal.aborted)
      log(
        `${signal}: stopping run ${runId}, removing its containers and volumes, writing evidence marked interrupted…`,
      );
    interrupt.abort(signal);
  }
  setTimeout(forceExit, INTERRUPT_GRACE_MS).unref();
}

/**
 * While a run is active, SIGINT/SIGTERM interrupt it: its drills stop where they are, remove what they started and
 * write evidence marked interrupted; the process exits with 130/143 once the report is written (or after
 * INTERRUPT_GRACE_MS at the latest, or at a second signal). The handlers exist only while some run is active; the
 * returned function ends it.
 */
export function guardRun(runId: string, log: (line: string) => void, interrupt: AbortController): () => void {
  if (activeRuns.size === 0) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  const entry = { runId, log, interrupt };
  activeRuns.add(entry);
  return () => {
    activeRuns.delete(entry);
    if (activeRuns.size === 0) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  };
}

/** A labelled private network for the containers of one multi-container node; `removeManaged` removes it by label. */
export async function createNetwork(name: string, labels: Record<string, string>): Promise<string> {
  await docker().createNetwork({ Name: name, Labels: labels, CheckDuplicate: true });
  return name;
}
