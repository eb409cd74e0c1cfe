import { flipBytes, olderFilesFault, truncateFile, type DrillFault } from "../../harness/faults.ts";
import type { Neo4jArtifact } from "./engine.ts";
import type { Neo4jNode } from "./node.ts";
import { detectedBy } from "../../harness/expectation.ts";
import { DUMP_FILE } from "./preflight.ts";
import { UID_INDEX_CHECK } from "./uid-index.ts";

type Neo4jFault = DrillFault<Neo4jNode, Neo4jArtifact>;

/**
 * Cuts the dump: an interrupted upload or a full disk. neo4j-admin refuses it: its zstd reader says "Truncated source",
 * or, when the cut lands where it first reads the archive's entries (it depends on the data's size), "Not a valid Neo4j
 * archive" (seen in a CI run).
 */
export function truncateDump(keepFraction = 0.5): Neo4jFault {
  return {
    name: "truncated-dump",
    description: `truncate ${DUMP_FILE} to ${Math.round(keepFraction * 100)}% of its size`,
    expect: { outcome: "refuses", reason: "Truncated source|Not a valid Neo4j archive" },
    apply: (artifact) => truncateFile(artifact.dir, DUMP_FILE, keepFraction),
  };
}

/** Flips a byte of the dump's format magic: neo4j-admin refuses the file, and the preflight reads the same header. */
export function flipDumpHeader(offset = 1): Neo4jFault {
  return {
    name: "flip-byte",
    description: `flip byte ${offset} of ${DUMP_FILE} (its format header)`,
    expect: { outcome: "refuses", reason: "Not a valid Neo4j archive" },
    apply: (artifact) => flipBytes(artifact.dir, DUMP_FILE, offset, 1, 0x20),
  };
}

/** The range indexes of the `neo4j` database: the unique constraints on `uid` (protocols/bolt/cypher.ts). */
const RANGE_INDEX_FILE = /^databases\/neo4j\/schema\/index\/range-1\.0\/\d+\/index-\d+$/;

/**
 * A cold copy whose `uid` index files come from an older copy: Neo4j 5.26 starts on them without a word and every
 * lookup by uid of a node written since answers nothing (campaign fault 16, docs/campaign.md); the drill's scans do
 * not see it, its seek through the index must.
 */
export function staleUidIndex(): Neo4jFault {
  return olderFilesFault({
    name: "stale-uid-index",
    description: "copy the uid range index files of a cold copy taken before the workload over the new cold copy's",
    expect: detectedBy({ [UID_INDEX_CHECK]: "not found through its uid index" }),
    pick: (rel) => RANGE_INDEX_FILE.test(rel),
  });
}
