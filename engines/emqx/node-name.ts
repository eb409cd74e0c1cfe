import type { CheckResult } from "../../harness/checkers/checker.ts";
import { nodeDirectories, nodeNameCheck } from "../../protocols/mnesia-node.ts";

/**
 * EMQX keeps its built-in database in `data/mnesia/<node name>` (bin/emqx, v5.1–v5.8: `-mnesia dir
 * "$DATA_DIR/mnesia/$NAME"`): the backup's node is the directory found there.
 */
export const MNESIA_IN_DATA = "mnesia";

export function emqxNodeNameCheck(mnesiaEntries: { name: string; dir: boolean }[], target: string): CheckResult {
  return nodeNameCheck(nodeDirectories(mnesiaEntries), target, "data/mnesia/", "pin EMQX_NODE_NAME and the hostname to");
}
