import { flipBytes, truncateFile, type DrillFault } from "../../harness/faults.ts";
import type { Neo4jArtifact } from "./engine.ts";
import type { Neo4jNode } from "./node.ts";
import { DUMP_FILE } from "./preflight.ts";

type Neo4jFault = DrillFault<Neo4jNode, Neo4jArtifact>;

/** Cuts the dump: an interrupted upload or a full disk. neo4j-admin's zstd reader refuses it ("Truncated source"). */
export function truncateDump(keepFraction = 0.5): Neo4jFault {
  return {
    name: "truncated-dump",
    description: `truncate ${DUMP_FILE} to ${Math.round(keepFraction * 100)}% of its size`,
    expect: { outcome: "refuses", reason: "Truncated source" },
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
