import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Evidence } from "../harness/evidence.ts";
import type { RunEvidence } from "../harness/report/run-evidence.ts";
import { loadConfig } from "../harness/config.ts";
import { parseImageMode } from "../harness/runtime/image-mode.ts";
import { UsageError } from "./args.ts";
import { refuseNoWriters, reportsRoot, retention, runbooksOf, signingKey, vocabulary } from "./run.ts";
import { executeRun } from "./execute.ts";

/** Finds a drill in past reports by id or seed (newest run first) and runs it again with the same arguments and data. */
export async function replay(wanted: string, v: { reports?: string; config?: string }): Promise<number> {
  const { config, file } = await loadConfig(vocabulary(), v.config);
  const reports = reportsRoot(v.reports, config, file);
  const found = await findDrill(reports, wanted);
  if (!found) throw new UsageError(`no drill with id or seed "${wanted}" in ${reports}`);
  if (!found.replay.args)
    throw new UsageError(
      `drill ${found.drillId} was not started by \`dr-drill run\`; replay it with: ${found.replay.command}`,
    );
  const a = found.replay.args;
  if (a.writers === 0) refuseNoWriters([a], `drill ${found.drillId} was run with 0 writers`);
  if (a.fault)
    return (await import("./campaign.ts")).replayCampaignFault({ ...a, fault: a.fault }, found.scope.seed, reports);
  console.log(`replaying ${found.drillId} (seed ${found.scope.seed}) from ${found.startedAt}`);
  // The evidence is a file: its image mode is read like any input, never trusted as a type.
  const images = parseImageMode(a.images, `drill ${found.drillId}'s replay.args.images`);
  return executeRun({
    drills: [{ ...a, images, seed: found.scope.seed }],
    reports,
    targets: found.targets,
    retention: retention(undefined, config, file),
    signingKey: signingKey(undefined, config, file),
    keepArtifacts: false,
    runbooks: runbooksOf(config, [a.engine]),
  });
}

async function findDrill(reports: string, wanted: string): Promise<Evidence | undefined> {
  if (!existsSync(reports)) return undefined;
  const runs = (await readdir(reports, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .reverse();
  for (const runId of runs) {
    const path = join(reports, runId, "evidence.json");
    if (!existsSync(path)) continue;
    const evidence = JSON.parse(await readFile(path, "utf8")) as RunEvidence;
    const hit = evidence.drills.find((d) => d.drillId === wanted || String(d.scope.seed) === wanted);
    if (hit) return hit;
  }
  return undefined;
}
