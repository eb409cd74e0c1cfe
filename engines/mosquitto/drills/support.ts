import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDrillRuntime, newRunId } from "../../../harness/drill.ts";
import type { DrillRuntime } from "../../../harness/engine.ts";
import type { Progress } from "../../../harness/progress.ts";
import { removeManaged } from "../../../harness/runtime/resources.ts";
import { parseImageMode } from "../../../harness/runtime/images.ts";
import { MosquittoEngine } from "../engine.ts";
import type { MosquittoNode } from "../node.ts";

/** Messages each Mosquitto drill loads: a few thousand keep all its drills within a few minutes (`DR_DRILL_ROWS` overrides). */
export const MOSQUITTO_ROWS = Number(process.env.DR_DRILL_ROWS ?? 2_000);

/**
 * A Mosquitto broker for a check outside the drill lifecycle, with the drill's labels, clock and progress: removed
 * afterwards with everything labelled for it, whatever the body does.
 */
export async function onMosquitto(
  name: string,
  body: (node: MosquittoNode, ctx: { rt: DrillRuntime; progress: Progress; workDir: string }) => Promise<void>,
): Promise<void> {
  const runId = newRunId();
  const drillId = `${name}-${runId}`;
  const workDir = await mkdtemp(join(tmpdir(), `dr-drill-${name}-`));
  const { rt, progress } = createDrillRuntime({
    runId,
    drillId,
    workDir,
    imageMode: parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"),
  });
  try {
    const node = await new MosquittoEngine("2").provision(rt);
    try {
      await body(node, { rt, progress, workDir });
    } finally {
      await node.destroy();
    }
  } finally {
    await removeManaged({ drillId });
    await rm(workDir, { recursive: true, force: true });
  }
}
