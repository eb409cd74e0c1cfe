import { existsSync } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { CheckResult } from "../../harness/checkers/checker.ts";

export const DUMP_FILE = "neo4j.dump";

/**
 * A dump starts with a 4-byte format magic: `DZV1` (zstd, the default) or `DGV1` (gzip). Anything else is what
 * neo4j-admin calls "Not a valid Neo4j archive" (org.neo4j.dbms.archive.DumpFormatSelector, StandardCompressionFormat).
 */
export const DUMP_MAGICS = ["DZV1", "DGV1"];

export async function dumpHeader(path: string): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead).toString("latin1");
  } finally {
    await handle.close();
  }
}

export async function dumpPreflight(dir: string): Promise<CheckResult> {
  const path = join(dir, DUMP_FILE);
  if (!existsSync(path))
    return {
      name: "preflight:dump",
      valid: false,
      summary: `${DUMP_FILE} missing from the backup (files: ${(await readdir(dir)).join(", ") || "none"})`,
    };
  const { size } = await stat(path);
  const magic = await dumpHeader(path);
  const known = DUMP_MAGICS.includes(magic);
  return {
    name: "preflight:dump",
    valid: known,
    summary: known
      ? `${DUMP_FILE}: ${size} bytes, format ${magic}`
      : `${DUMP_FILE} starts with ${JSON.stringify(magic)}, not a Neo4j dump format (${DUMP_MAGICS.join(", ")})`,
    details: { size, magic },
  };
}

/** A cold copy needs the store and the transaction logs of the `neo4j` database, and the `system` database beside them. */
export async function coldCopyPreflight(dir: string): Promise<CheckResult> {
  const needed = ["databases/neo4j", "transactions/neo4j", "databases/system"];
  const missing = needed.filter((rel) => !existsSync(join(dir, rel)));
  return {
    name: "preflight:cold-copy",
    valid: missing.length === 0,
    summary:
      missing.length === 0
        ? `store and transaction logs of neo4j and system present`
        : `missing from the copy: ${missing.join(", ")}`,
  };
}

/** The line of neo4j-admin's or the server's output that says what went wrong. */
export function adminFailure(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const patterns = [/Truncated source|Not a valid Neo4j archive|Exception:|ERROR/, /failed|error|invalid|cannot/i];
  for (const pattern of patterns) {
    const hit = lines.find((l) => pattern.test(l));
    if (hit) return hit.slice(0, 500);
  }
  return lines.at(-1)?.slice(0, 500) ?? "(no output)";
}
