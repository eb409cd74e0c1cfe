import type { DrillRuntime } from "../../harness/engine.ts";
import { withToolbox, type Toolbox } from "../../harness/runtime/toolbox.ts";
import { QDB_ROOT } from "./container.ts";
import type { QuestDbNode } from "./node.ts";

/** Something that copies the root of a running node to the host while the checkpoint is held. */
export interface CopyTool {
  readonly name: string;
  /** `via` says how the bytes reached the host. */
  copy(node: QuestDbNode, hostDir: string, rt: DrillRuntime): Promise<{ vanished: number; via: string }>;
}

/**
 * `cp -a <root>/<source> <host dir>` (`source` a shell word: may be a glob), from a toolbox of the node's image with
 * the node's volume mounted read-only at the root, while the server goes on. `abortAfterBytes` breaks the transfer
 * midway (see `Toolbox.toHost`).
 */
export function copyRoot(
  node: QuestDbNode,
  hostDir: string,
  rt: DrillRuntime,
  source: string,
  opts: { abortAfterBytes?: number } = {},
): Promise<{ vanished: number; via: string }> {
  const volumes = [{ name: node.volume, path: QDB_ROOT, readOnly: true }];
  return withToolbox(
    { image: node.qdb.image.ref, labels: rt.labels, volumes, host: { dir: hostDir, direction: "out" } },
    async (box) => {
      const vanished = await box.toHost((dest) => cpTolerant(box, `${QDB_ROOT}/${source}`, dest), opts);
      return { vanished, via: box.how };
    },
  );
}

/**
 * Under ingestion, files and partition versions created after `CHECKPOINT CREATE` can be removed again while `cp`
 * walks the tree; QuestDB keeps everything the checkpoint references, so a vanished file is tolerated (rsync's
 * "vanished source files", exit 24) and counted. Any other error fails the copy.
 */
async function cpTolerant(box: Toolbox, source: string, dest: string): Promise<number> {
  const { exitCode, output } = await box.exec(["sh", "-c", `cp -a ${source} ${dest}/`]);
  if (exitCode === 0) return 0;
  const errors = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const vanished = errors.filter((l) => /^cp: (cannot (stat|open|access) )?'.*': No such file or directory$/.test(l));
  if (vanished.length === 0 || vanished.length !== errors.length)
    throw new Error(
      `cp -a exited ${exitCode}: ${errors
        .filter((l) => !vanished.includes(l))
        .slice(0, 5)
        .join("; ")
        .slice(0, 1500)}`,
    );
  return vanished.length;
}

/** `cp -a <root>/. <host dir>`: dot-directories included. */
export const cpAll: CopyTool = {
  name: "cp -a <root>/. (coreutils)",
  copy: (node, hostDir, rt) => copyRoot(node, hostDir, rt, "."),
};
