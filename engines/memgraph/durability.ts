import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import { memgraphVersion } from "./versions.ts";

/**
 * The header of a Memgraph durability file (memgraph/memgraph, src/storage/v2/durability/serialization.cpp,
 * `Decoder::Initialize`, v2.19.0 and v3.7.2): a 4-byte magic, `MGsn` for a snapshot and `MGwl` for a WAL file (version.hpp,
 * kSnapshotMagic / kWalMagic), then the format version as a uint64, little-endian, at bytes 4-11.
 */
export type DurabilityHeader = { kind: "snapshot" | "wal"; version: number } | { kind: "unknown"; reason: string };

const MAGICS: Record<string, "snapshot" | "wal"> = { MGsn: "snapshot", MGwl: "wal" };

export function parseDurabilityHeader(bytes: Buffer): DurabilityHeader {
  if (bytes.length < 12) return { kind: "unknown", reason: `${bytes.length} bytes, a header needs 12` };
  const magic = bytes.subarray(0, 4).toString("latin1");
  const kind = MAGICS[magic];
  if (!kind) return { kind: "unknown", reason: `magic ${JSON.stringify(magic)} is neither MGsn nor MGwl` };
  const version = bytes.readBigUInt64LE(4);
  if (version > BigInt(Number.MAX_SAFE_INTEGER))
    return { kind: "unknown", reason: `version ${version} is not a format number` };
  return { kind, version: Number(version) };
}

export async function readDurabilityHeader(path: string): Promise<DurabilityHeader> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(12);
    const { bytesRead } = await handle.read(buf, 0, 12, 0);
    return parseDurabilityHeader(buf.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

export interface DurabilityFile {
  /** Relative to the backup, e.g. `snapshots/20260101…_timestamp_12`. */
  path: string;
  header: DurabilityHeader;
}

/** Every file under `snapshots/` and `wal/` of a backup, with its header. */
export async function durabilityFiles(dir: string): Promise<DurabilityFile[]> {
  const files: DurabilityFile[] = [];
  for (const sub of ["snapshots", "wal"]) {
    const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((x) => x.isFile()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      files.push({ path: `${sub}/${e.name}`, header: await readDurabilityHeader(join(dir, sub, e.name)) });
    }
  }
  return files;
}

/**
 * Can `target` recover these files? Memgraph reads a file only when its version passes `IsVersionSupported`; any
 * other file is skipped without an error (durability.cpp, `GetSnapshotFiles` catches the RecoveryFailure "Invalid
 * snapshot version!" and continues; `GetWalFiles` logs "Failed to read" and continues), so the server starts EMPTY
 * on files that are only newer. That is a silent loss: the preflight refuses it before any restore.
 */
export function durabilityCheck(files: DurabilityFile[], target: string): CheckResult {
  const { writes, readsFrom } = memgraphVersion(target);
  const snapshots = files.filter((f) => f.header.kind === "snapshot");
  const unreadable = files.filter(
    (f) => f.header.kind === "unknown" || f.header.version < readsFrom || f.header.version > writes,
  );
  const describe = (f: DurabilityFile) =>
    f.header.kind === "unknown"
      ? `${f.path} (${f.header.reason})`
      : `${f.path} is durability format ${f.header.version}`;
  if (snapshots.length === 0)
    return {
      name: "preflight:durability-version",
      valid: false,
      summary: "no snapshot file (MGsn) in the backup: nothing for the restore to start from",
    };
  if (unreadable.length > 0) {
    return {
      name: "preflight:durability-version",
      valid: false,
      summary: `${describe(unreadable[0]!)}, Memgraph ${target} reads formats ${readsFrom}–${writes}: it would skip ${unreadable.length} of ${files.length} file(s) and start without their data`,
      examples: unreadable.slice(0, 10).map(describe),
    };
  }
  const versions = [...new Set(files.map((f) => (f.header.kind === "unknown" ? 0 : f.header.version)))].sort(
    (a, b) => a - b,
  );
  return {
    name: "preflight:durability-version",
    valid: true,
    summary: `${snapshots.length} snapshot(s), ${files.length - snapshots.length} WAL file(s), format ${versions.join(", ")}: Memgraph ${target} reads ${readsFrom}–${writes}`,
  };
}

/**
 * `SHOW STORAGE INFO` rows (`storage info`, `value`). IN_MEMORY_ANALYTICAL writes no WAL and takes no periodic
 * snapshots (Memgraph docs, "Storage modes"): whatever came after the last manual snapshot is not durable. A finding
 * the drill reports, not hides.
 */
export function storageModeCheck(rows: { name: string; value: string }[]): CheckResult {
  const mode = rows.find((r) => r.name === "storage_mode")?.value;
  if (mode === undefined)
    return {
      name: "durability:storage-mode",
      valid: "unknown",
      summary: "SHOW STORAGE INFO did not report storage_mode",
    };
  const analytical = mode === "IN_MEMORY_ANALYTICAL";
  return {
    name: "durability:storage-mode",
    valid: !analytical,
    // Only the mode is read (SHOW STORAGE INFO has no WAL or snapshot row): what the docs say of a mode is not observed.
    summary: analytical
      ? "storage_mode IN_MEMORY_ANALYTICAL (SHOW STORAGE INFO), a mode with no WAL and no periodic snapshots (Memgraph docs): writes after the last snapshot are not durable"
      : `storage_mode ${mode} (SHOW STORAGE INFO), not IN_MEMORY_ANALYTICAL`,
  };
}
