import { copyFile, cp, mkdir, open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { CHUNK_FOOTER_SIZE, parseChunkFileName, parseChunkFooter } from "./formats.ts";

/** One `chunk-X.Y` file and the directory (backup set) it lies in. */
export interface ChunkFile {
  name: string;
  number: number;
  version: number;
  dir: string;
}

export async function listChunks(dir: string): Promise<ChunkFile[]> {
  const files: ChunkFile[] = [];
  for (const name of await readdir(dir)) {
    const parsed = parseChunkFileName(name);
    if (parsed) files.push({ name, dir, ...parsed });
  }
  return files.sort((a, b) => a.number - b.number || a.version - b.version);
}

/**
 * The guide's differential rule: of every chunk number X keep only the file with the highest version Y. `files` come
 * oldest set first; of two files with the same name the later one wins: the chunk that was still being written
 * during the full backup is copied again, longer, by the differential one.
 */
export function highestVersions(files: ChunkFile[]): ChunkFile[] {
  const best = new Map<number, ChunkFile>();
  for (const f of files) {
    const kept = best.get(f.number);
    if (!kept || f.version >= kept.version) best.set(f.number, f);
  }
  return [...best.values()].sort((a, b) => a.number - b.number);
}

/**
 * What the server makes of the chunk files present, after `TFChunkEnumerable` (KurrentDB
 * src/KurrentDB.Core/TransactionLog/Chunks/TFChunk/ChunkLocalFileSystem.cs) and `TFChunkDb.Open` (TFChunkDb.cs):
 * - `latest`: the newest version of a chunk number, covering `start..end` (a scavenge may merge several chunks into
 *   one file whose header says so; a version-0 file covers only its own number);
 * - `old`: an older version, or a file inside a merged chunk's range (removed at startup);
 * - `missing`: numbers up to the last chunk that no file covers; one below the last is a `ChunkNotFoundException`;
 * - `extraneous`: files past the last chunk (`ExtraneousFileFoundException`), except one new empty version-0 chunk
 *   right after it, which the server removes (`excessive`).
 */
export interface ChunkLayout {
  latest: { file: ChunkFile; start: number; end: number }[];
  old: ChunkFile[];
  missing: number[];
  extraneous: ChunkFile[];
  excessive: ChunkFile[];
}

/** `endOf` gives a file's ChunkEndNumber from its header (only asked for files with a version above 0). */
export function chunkLayout(files: ChunkFile[], lastChunkNumber: number, endOf: (f: ChunkFile) => number): ChunkLayout {
  const sorted = [...files].sort((a, b) => a.number - b.number || a.version - b.version);
  const layout: ChunkLayout = { latest: [], old: [], missing: [], extraneous: [], excessive: [] };
  let expected = 0;
  sorted.forEach((f, i) => {
    if (f.number < expected) return void layout.old.push(f);
    for (let n = expected; n < f.number; n++) layout.missing.push(n);
    expected = f.number;
    if (sorted[i + 1]?.number === f.number) return void layout.old.push(f);
    const end = f.version === 0 ? f.number : endOf(f);
    layout.latest.push({ file: f, start: f.number, end });
    expected = end + 1;
  });
  for (let n = expected; n <= lastChunkNumber; n++) layout.missing.push(n);
  // EnsureNoExcessiveChunks: only files beyond the last chunk count; one fresh version-0 chunk after it is removed.
  layout.latest = layout.latest.filter(({ file, start, end }) => {
    if (start <= lastChunkNumber) return true;
    if (start === lastChunkNumber + 1 && start === end && file.version === 0) layout.excessive.push(file);
    else layout.extraneous.push(file);
    return false;
  });
  layout.extraneous.push(...layout.old.filter((f) => f.number > lastChunkNumber));
  return layout;
}

/** Where each file of a restore-ready directory merged from a full and differential backups came from. */
export interface MergedSet {
  dir: string;
  chunks: { name: string; from: string }[];
  /** The set whose checkpoints and index were taken: the newest one. */
  checkpointsFrom: string;
}

/**
 * Merges backup sets (oldest first: the full backup, then differentials) into one database directory as the guide
 * says: of every chunk number the highest version found in any set, and the checkpoints and index of the newest set
 * (they describe the state its chunks were copied after).
 */
export async function mergeBackupSets(sets: string[], into: string): Promise<MergedSet> {
  const newest = sets.at(-1);
  if (!newest) throw new Error("no backup set to merge");
  await mkdir(into, { recursive: true });
  const all = (await Promise.all(sets.map(listChunks))).flat();
  const chunks = highestVersions(all);
  for (const c of chunks) await copyFile(join(c.dir, c.name), join(into, c.name));
  for (const entry of await readdir(newest, { withFileTypes: true })) {
    if (parseChunkFileName(entry.name)) continue;
    await cp(join(newest, entry.name), join(into, entry.name), { recursive: true });
  }
  return { dir: into, chunks: chunks.map((c) => ({ name: c.name, from: c.dir })), checkpointsFrom: newest };
}

/**
 * The chunk files of a backup set whose footer says they are completed: immutable, so a differential backup need not
 * copy them again (the open chunk, still growing, it must).
 */
export async function completedChunks(dir: string): Promise<string[]> {
  const done: string[] = [];
  for (const c of await listChunks(dir)) {
    const handle = await open(join(dir, c.name), "r");
    try {
      const { size } = await handle.stat();
      if (size < CHUNK_FOOTER_SIZE) continue;
      const footer = Buffer.alloc(CHUNK_FOOTER_SIZE);
      await handle.read(footer, 0, CHUNK_FOOTER_SIZE, size - CHUNK_FOOTER_SIZE);
      if (parseChunkFooter(footer).isCompleted) done.push(c.name);
    } catch {
      // An unreadable footer is not a completed chunk: it is copied again.
    } finally {
      await handle.close();
    }
  }
  return done;
}
