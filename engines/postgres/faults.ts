import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { deleteFile, flipBytes, truncateFile } from "../../harness/faults.ts";
import type { DrillFault } from "../../harness/faults.ts";
import { detectedBy } from "../../harness/expectation.ts";
import type { PostgresArtifact } from "./engine.ts";
import type { PostgresNode } from "./node.ts";

type PgFault = DrillFault<PostgresNode, PostgresArtifact>;

/**
 * Faults on PostgreSQL backup artifacts. Each one says what it breaks and what the drill must then do; the scenarios
 * assert the reason the drill gives.
 */

const PAGE_HEADER = 24;

/**
 * Offset of the `version` column of the first live tuple on the first heap page: the page's first line pointer gives
 * the tuple, the tuple header's `t_hoff` gives where its data starts, and every drill table begins with
 * `id bigint, version integer NOT NULL`, so `version` is the 4 bytes after the 8-byte id.
 */
export async function versionColumnOffset(file: string): Promise<number> {
  const handle = await open(file, "r");
  try {
    const page = Buffer.alloc(8192);
    await handle.read(page, 0, 8192, 0);
    const pdLower = page.readUInt16LE(12);
    for (let lp = PAGE_HEADER; lp < pdLower; lp += 4) {
      const item = page.readUInt32LE(lp);
      const lpOff = item & 0x7fff;
      const lpFlags = (item >>> 15) & 0x3;
      if (lpFlags !== 1 || lpOff === 0) continue; // LP_NORMAL only
      const tHoff = page.readUInt8(lpOff + 22);
      return lpOff + tHoff + 8;
    }
    throw new Error(`no live tuple on the first page of ${file}`);
  } finally {
    await handle.close();
  }
}

/**
 * Flips one byte inside a table's data file in a physical backup: silent corruption the server will not notice. The
 * oracle sees the row's value change, and PostgreSQL's own manifest check sees the file's checksum change.
 */
export function flipByteInTable(table: string): PgFault {
  return {
    name: `flip-byte:${table}`,
    description: `flip one byte inside the first row of ${table}'s data file`,
    expect: detectedBy({ "ledger-oracle": `\\d+ corrupt`, "preflight:pg_verifybackup": "checksum mismatch for file" }),
    async apply(artifact) {
      const rel = artifact.relationFiles[table];
      if (!rel) throw new Error(`no data file known for table ${table} in this backup`);
      return flipBytes(artifact.dir, rel, await versionColumnOffset(join(artifact.dir, rel)), 1, 0x5a);
    },
  };
}

/** The server's refusal to start a data directory it cannot recover, as PostgreSQL words it. */
export const WAL_REFUSAL =
  "could not locate required checkpoint record|could not find redo location|invalid checkpoint";

/** Deletes the first WAL segment of a physical backup: the one holding the checkpoint replay must start from. */
export function deleteFirstWalSegment(): PgFault {
  return {
    name: "missing-wal-segment",
    description: "delete the WAL segment the backup's replay starts from",
    expect: { outcome: "refuses", reason: WAL_REFUSAL },
    async apply(artifact) {
      const segments = (await readdir(join(artifact.dir, "pg_wal"))).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort();
      if (!segments[0]) throw new Error("the backup holds no WAL segment");
      return deleteFile(artifact.dir, join("pg_wal", segments[0]));
    },
  };
}

/** Cuts the dump of a logical backup in half: an interrupted upload or a full disk. */
export function truncateDump(keepFraction = 0.5): PgFault {
  return {
    name: "truncated-dump",
    description: `truncate the dump to ${Math.round(keepFraction * 100)}% of its size`,
    expect: detectedBy({
      restore: "pg_restore exited 1: .*(could not read|unexpected end|end of file)",
      "ledger-oracle": "\\d+ lost",
    }),
    async apply(artifact) {
      const dump = (await readdir(artifact.dir)).find((f) => f.endsWith(".pgdump"));
      if (!dump) throw new Error("no dump file in the artifact");
      return truncateFile(artifact.dir, dump, keepFraction);
    },
  };
}
