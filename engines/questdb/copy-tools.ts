import { QDB_ROOT } from "./container.ts";
import type { QuestDbNode } from "./node.ts";

/** Something that copies the root of a running node to the host while the checkpoint is held. */
export interface CopyTool {
  readonly name: string;
  copy(node: QuestDbNode, hostDir: string): Promise<{ vanished: number }>;
}

const STAGING = "/tmp/dr-drill-backup";

/**
 * Copies `source` (a shell word: may be a glob) into the staging directory inside the container. Under ingestion,
 * files and partition versions created after `CHECKPOINT CREATE` can be removed again while `cp` walks the tree; QuestDB
 * keeps everything the checkpoint references, so a vanished file is tolerated (rsync's "vanished source files", exit
 * 24) and counted. Any other error fails the copy.
 */
export async function copyToStaging(node: QuestDbNode, source: string): Promise<{ vanished: number }> {
  const { exitCode, output } = await node.qdb.exec(["sh", "-c", `rm -rf ${STAGING} && mkdir -p ${STAGING} && cp -a ${source} ${STAGING}/`]);
  if (exitCode === 0) return { vanished: 0 };
  const errors = output.split("\n").map((l) => l.trim()).filter(Boolean);
  const vanished = errors.filter((l) => /^cp: (cannot (stat|open|access) )?'.*': No such file or directory$/.test(l));
  if (vanished.length === 0 || vanished.length !== errors.length) throw new Error(`cp -a exited ${exitCode}: ${errors.filter((l) => !vanished.includes(l)).slice(0, 5).join("; ").slice(0, 1500)}`);
  return { vanished: vanished.length };
}

/** Streams the staging directory to the host (optionally breaking after some bytes), then removes it. */
export async function stagingToHost(node: QuestDbNode, hostDir: string, opts: { abortAfterBytes?: number } = {}): Promise<void> {
  try {
    await node.qdb.copyDirectoryOut(STAGING, hostDir, opts);
  } finally {
    await node.qdb.exec(["rm", "-rf", STAGING]);
  }
}

/** `cp -a ROOT/. STAGING` inside the container (dot-directories included), then the staging copy to the host. */
export const cpAll: CopyTool = {
  name: "cp -a <root>/. (coreutils) + docker cp",
  async copy(node, hostDir) {
    const { vanished } = await copyToStaging(node, `${QDB_ROOT}/.`);
    await stagingToHost(node, hostDir);
    return { vanished };
  },
};
