import type { CheckResult } from "../../harness/checkers/checker.ts";
import { nodeDirectories, nodeNameCheck } from "../../protocols/mnesia-node.ts";

/**
 * EMQX keeps its built-in database in `data/mnesia/<node name>` (bin/emqx, v5.5.1 and v5.8.6: `-mnesia dir
 * "$DATA_DIR/mnesia/$NAME"`): the backup's node is the directory found there.
 */
export const MNESIA_IN_DATA = "mnesia";

export function emqxNodeNameCheck(mnesiaEntries: { name: string; dir: boolean }[], target: string): CheckResult {
  return nodeNameCheck(
    nodeDirectories(mnesiaEntries),
    target,
    "data/mnesia/",
    "pin EMQX_NODE_NAME and the hostname to",
  );
}

/** The entries `ls -1p` printed: one a line, a directory's name ending in `/`. */
export function lsEntries(output: string): { name: string; dir: boolean }[] {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => ({ name: l.replace(/\/$/, ""), dir: l.endsWith("/") }));
}

/**
 * What a started node's `data/mnesia/` holds against the backup's, both as listed (nothing assumed): whether the
 * node's own database directory, `data/mnesia/<its name>`, is one the backup brought or one that appeared beside it.
 */
export function mnesiaStartObservation(
  nodeName: string,
  backupDirs: string[],
  nodeDirs: string[],
): { summary: string; observed: string[] } {
  const list = (dirs: string[]) => dirs.join(", ") || "no node directory";
  const observed = [
    `the backup's data/mnesia/ holds: ${list(backupDirs)}`,
    `the started node's data/mnesia/ holds: ${list(nodeDirs)}`,
  ];
  const own = `data/mnesia/${nodeName}`;
  if (!nodeDirs.includes(nodeName)) return { summary: `node ${nodeName} started; no ${own} seen in it`, observed };
  if (backupDirs.includes(nodeName))
    return { summary: `node ${nodeName} started; its ${own} is the backup's`, observed };
  return {
    summary: `node ${nodeName} started with a NEW ${own}, not in the backup (which holds ${list(backupDirs)})`,
    observed,
  };
}
