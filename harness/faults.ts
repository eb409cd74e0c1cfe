import { cp, open, readdir, rm, stat, truncate } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import type { CheckResult } from "./checkers/checker.ts";
import type { ArtifactRef, DrillRuntime, RestoreHooks } from "./engine.ts";
import type { Expectation } from "./expectation.ts";
import type { FaultRecord } from "./schema/evidence-drill.ts";

/** What was done to a backup artifact, for the evidence (harness/schema/evidence-drill.ts). */
export type { FaultRecord } from "./schema/evidence-drill.ts";

/**
 * Something done to a drill to prove it reacts as predicted: to the backup artifact (a flipped byte), during the backup
 * (a copy that breaks), or during the restore (a file missing on the first attempt). Each fault states what the drill
 * must then show and what must observe it (`expect`).
 */
export interface DrillFault<Node, Artifact extends ArtifactRef> {
  readonly name: string;
  readonly description: string;
  readonly expect: Expectation;
  /** Before the backup, e.g. taking the older backup it later substitutes. */
  beforeBackup?(ctx: { takeBackup(dir: string): Promise<Artifact>; runtime: DrillRuntime }): Promise<void>;
  /** Backup attempts allowed: a backup that fails on purpose is taken again. */
  readonly backupAttempts?: number;
  /** After a failed backup attempt, on the still running source: checks of what the failure left behind. */
  afterFailedBackup?(node: Node, error: Error, runtime: DrillRuntime): Promise<CheckResult[]>;
  /**
   * Between backup and restore: acts on the artifact (or only records an option the scenario set, such as a server
   * property), and says what was done for the evidence.
   */
  apply(artifact: Artifact): Promise<FaultRecord>;
  readonly restoreHooks?: RestoreHooks;
}

function inside(dir: string, rel: string): string {
  const path = join(dir, rel);
  const fromDir = relative(dir, path);
  if (fromDir === ".." || fromDir.startsWith(`..${sep}`) || isAbsolute(fromDir))
    throw new Error(`fault target ${rel} escapes the artifact directory`);
  return path;
}

/** A path inside the artifact directory, refusing one that escapes it. */
export { inside as insideArtifact };

/** Removes one file of the artifact (e.g. a WAL segment, `truncate.chk`). */
export async function deleteFile(artifactDir: string, rel: string): Promise<FaultRecord> {
  const path = inside(artifactDir, rel);
  const { size } = await stat(path);
  await rm(path);
  return { fault: "delete-file", target: rel, detail: { size } };
}

/** XORs `count` bytes at `offset` with `mask`, returning the bytes before and after. */
export async function flipBytes(
  artifactDir: string,
  rel: string,
  offset: number,
  count = 1,
  mask = 0xff,
): Promise<FaultRecord> {
  const path = inside(artifactDir, rel);
  const handle = await open(path, "r+");
  try {
    const { size } = await handle.stat();
    if (offset < 0 || offset + count > size)
      throw new Error(`cannot flip ${count} byte(s) at ${offset} of ${rel}: file has ${size} bytes`);
    const buf = Buffer.alloc(count);
    await handle.read(buf, 0, count, offset);
    const before = buf.toString("hex");
    for (let i = 0; i < count; i++) buf[i] = buf[i]! ^ mask;
    await handle.write(buf, 0, count, offset);
    return { fault: "flip-bytes", target: rel, detail: { offset, count, before, after: buf.toString("hex") } };
  } finally {
    await handle.close();
  }
}

/** Cuts a file to `keepFraction` of its size (an interrupted copy or upload). */
export async function truncateFile(artifactDir: string, rel: string, keepFraction: number): Promise<FaultRecord> {
  if (!(keepFraction >= 0 && keepFraction < 1)) throw new Error(`keepFraction must be in [0, 1), got ${keepFraction}`);
  const { size } = await stat(inside(artifactDir, rel));
  return truncateTo(artifactDir, rel, Math.floor(size * keepFraction));
}

/** Cuts a file to its first `newSize` bytes. */
export async function truncateTo(artifactDir: string, rel: string, newSize: number): Promise<FaultRecord> {
  const path = inside(artifactDir, rel);
  const { size } = await stat(path);
  if (!(newSize >= 0 && newSize < size)) throw new Error(`cannot cut ${rel} to ${newSize} bytes: it has ${size}`);
  await truncate(path, newSize);
  return { fault: "truncate-file", target: rel, detail: { size, newSize } };
}

/** Removes a whole directory of the artifact (a copy tool that skipped it). */
export async function dropDirectory(artifactDir: string, rel: string): Promise<FaultRecord> {
  const path = inside(artifactDir, rel);
  const files = await countFiles(path);
  await rm(path, { recursive: true });
  return { fault: "drop-directory", target: rel, detail: { files } };
}

/**
 * Takes a backup before the workload starts and restores that one instead of the new backup: the wrong file picked
 * from the backup store. Writes acknowledged between the two backups must then be reported lost (or stale).
 */
export function olderBackupFault<Node, Artifact extends ArtifactRef>(): DrillFault<Node, Artifact> {
  return withOlderBackup(
    {
      name: "older-backup",
      description: "restore a backup taken before the workload instead of the one just taken",
      expect: { outcome: "detects", by: [{ check: "ledger-oracle", reason: "\\d+ (lost|stale)" }] },
    },
    (artifactDir, olderDir) => substituteOlderBackup(artifactDir, olderDir),
  );
}

/**
 * Takes a backup before the workload starts and copies its files that `pick` selects (by path inside the artifact)
 * over the new backup's: a copy that mixed two backups, e.g. index files of last night's next to today's store.
 */
export function olderFilesFault<Node, Artifact extends ArtifactRef>(fault: {
  name: string;
  description: string;
  expect: Expectation;
  pick: (rel: string) => boolean;
}): DrillFault<Node, Artifact> {
  return withOlderBackup(fault, async (artifactDir, olderDir) => {
    const newer = new Set(await filesUnder(artifactDir));
    const copied = (await filesUnder(olderDir)).filter((rel) => newer.has(rel) && fault.pick(rel));
    if (copied.length === 0) throw new Error(`${fault.name}: no file of the older backup matches what it replaces`);
    for (const rel of copied) await cp(join(olderDir, rel), inside(artifactDir, rel));
    return { fault: "older-files", target: copied.join(", "), detail: { from: olderDir, files: copied.length } };
  });
}

/** A fault that takes a backup before the workload and, after the new one, applies `use` with both directories. */
function withOlderBackup<Node, Artifact extends ArtifactRef>(
  fault: { name: string; description: string; expect: Expectation },
  use: (artifactDir: string, olderDir: string) => Promise<FaultRecord>,
): DrillFault<Node, Artifact> {
  let older: Artifact | undefined;
  return {
    name: fault.name,
    description: fault.description,
    expect: fault.expect,
    async beforeBackup({ takeBackup, runtime }) {
      older = await takeBackup(join(runtime.workDir, "older-backup"));
    },
    async apply(artifact) {
      if (!older) throw new Error("the older backup was not taken");
      return use(artifact.dir, older.dir);
    },
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

export async function substituteOlderBackup(artifactDir: string, olderDir: string): Promise<FaultRecord> {
  for (const entry of await readdir(artifactDir)) await rm(join(artifactDir, entry), { recursive: true });
  await cp(olderDir, artifactDir, { recursive: true });
  return {
    fault: "substitute-older-backup",
    target: ".",
    detail: { from: olderDir, files: await countFiles(artifactDir) },
  };
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) n++;
  return n;
}
