import { docker } from "./docker.ts";

/** Every container, volume and network dr-drill creates carries these labels; cleanup finds them by label only. */
export const MANAGED_LABEL = "dr-drill.managed";
export const RUN_LABEL = "dr-drill.run";
export const DRILL_LABEL = "dr-drill.drill";

export function runLabels(runId: string, drillId: string): Record<string, string> {
  return { [MANAGED_LABEL]: "true", [RUN_LABEL]: runId, [DRILL_LABEL]: drillId };
}

export interface CleanupReport {
  containers: number;
  volumes: number;
  networks: number;
}

/**
 * Removes what dr-drill left: containers (with their anonymous volumes), then labelled volumes and networks.
 * With a drill or run id, only that drill's or run's; without, everything of ours (a crashed run's leftovers). Never touches anything unlabelled.
 */
export async function removeManaged(scope: { runId?: string; drillId?: string } = {}): Promise<CleanupReport> {
  const label = scope.drillId ? `${DRILL_LABEL}=${scope.drillId}` : scope.runId ? `${RUN_LABEL}=${scope.runId}` : `${MANAGED_LABEL}=true`;
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

let handlersInstalled = false;
const activeRuns = new Set<string>();

/**
 * While a run is active, SIGINT/SIGTERM remove its containers and volumes before the process exits, so Ctrl-C on a
 * drill leaves nothing behind. Returns a function that ends the registration.
 */
export function guardRun(runId: string, log: (line: string) => void): () => void {
  activeRuns.add(runId);
  if (!handlersInstalled) {
    handlersInstalled = true;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        log(`${signal}: removing containers and volumes of run(s) ${[...activeRuns].join(", ")}…`);
        const done = Promise.all([...activeRuns].map((id) => removeManaged({ runId: id }).catch((e: Error) => log(`cleanup failed: ${e.message}`))));
        void done.finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
      });
    }
  }
  return () => activeRuns.delete(runId);
}
