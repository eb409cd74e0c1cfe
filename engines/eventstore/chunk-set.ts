import { readdir } from "node:fs/promises";
import { parseChunkFileName } from "./formats.ts";

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
 * What the server makes of the chunk files present, after `TFChunkEnumerable` (KurrentDB
 * src/KurrentDB.Core/TransactionLog/Chunks/TFChunk/ChunkLocalFileSystem.cs) and `TFChunkDb.Open` (TFChunkDb.cs):
 * - `latest`: the newest version of a chunk number, covering `start..end` (a scavenge may merge several chunks into
 *   one file whose header says so; a version-0 file covers only its own number);
 * - `old`: an older version, or a file inside a merged chunk's range (removed at startup);
 * - `missing`: numbers up to the last chunk that no file covers; one below the last is a `ChunkNotFoundException`;
 * - `extraneous`: files past the last chunk (`ExtraneousFileFoundException`), except one new empty version-0 chunk
 *   right after it, which the server removes (`excessive`, `TFChunkDb.EnsureNoExcessiveChunks`);
 * - `refusedByTruncator`: when the node truncates first (truncate.chk not -1), any version of the chunk right after
 *   the last: `TFChunkDbTruncator.TruncateDb` throws "excessive TFChunks were found" before the database opens
 *   (see `selectChunks`), so the one fresh chunk is removed as excessive only without truncate.chk.
 */
export interface ChunkLayout {
  latest: { file: ChunkFile; start: number; end: number }[];
  old: ChunkFile[];
  missing: number[];
  extraneous: ChunkFile[];
  excessive: ChunkFile[];
  refusedByTruncator: ChunkFile[];
}

/**
 * `endOf` gives a file's ChunkEndNumber from its header (only asked for files with a version above 0); `truncates`:
 * the node will find a truncate.chk other than -1.
 */
export function chunkLayout(
  files: ChunkFile[],
  lastChunkNumber: number,
  endOf: (f: ChunkFile) => number,
  truncates = false,
): ChunkLayout {
  const sorted = [...files].sort((a, b) => a.number - b.number || a.version - b.version);
  const layout: ChunkLayout = {
    latest: [],
    old: [],
    missing: [],
    extraneous: [],
    excessive: [],
    refusedByTruncator: [],
  };
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
  if (truncates) {
    // The truncator runs before the database opens: it never gets to remove the fresh chunk.
    layout.refusedByTruncator = sorted.filter((f) => f.number === lastChunkNumber + 1);
    if (layout.refusedByTruncator.length) layout.excessive = [];
  }
  return layout;
}

/** The chunk files of one listing of the node's directory a copy takes, and those it leaves out, and why. */
export interface ChunkSelection {
  copy: string[];
  /** Numbers past the writer checkpoint's chunk: created after writer.chk was copied. */
  pastWriter: string[];
  /** A version below the highest of its number. */
  older: string[];
}

/**
 * The chunk files a copy takes from a listing of the node's directory, given the writer checkpoint the copy already
 * holds (the checkpoints are copied before the chunks) and the node's chunk size. Left out:
 * - chunks past the writer's chunk (`writer / chunkSize`): created after writer.chk was copied, they hold nothing
 *   the copied checkpoints acknowledge, and a restore that writes truncate.chk is refused with any of them present:
 *   `TFChunkDbTruncator.TruncateDb` throws "During truncation of DB excessive TFChunks were found" for any version of
 *   chunk `writer / ChunkSize + 1` (src/EventStore.Core/TransactionLog/Chunks/TFChunkDbTruncator.cs line 33 at
 *   oss-v22.10.5 and oss-v23.10.6, line 42 at v24.10.4, line 50 at v25.0.0; src/KurrentDB.Core/…/TFChunkDbTruncator.cs
 *   at v26.0.3), and the node truncates whenever truncate.chk is not -1 (ClusterVNode.cs, "TRUNCATE IF NECESSARY").
 *   Under load the chunk step often sees one: the guide's order alone makes the restore a coin toss;
 * - a version below the highest of its number: the seed's differential rule (keep the highest chunk-X.Y), which the
 *   node applies too (`TFChunkDb.RemoveOldChunksVersions`).
 * Without a writer checkpoint in the copy (chunks copied first: the wrong order) every listed chunk is taken.
 */
export function selectChunks(listing: string[], writer: number | undefined, chunkSize: number): ChunkSelection {
  const files = listing.flatMap((name) => {
    const parsed = parseChunkFileName(name);
    return parsed ? [{ name, ...parsed }] : [];
  });
  const last = writer === undefined ? Infinity : Math.floor(writer / chunkSize);
  const highest = new Map<number, number>();
  for (const f of files) highest.set(f.number, Math.max(highest.get(f.number) ?? -1, f.version));
  const selection: ChunkSelection = { copy: [], pastWriter: [], older: [] };
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    if (f.number > last) selection.pastWriter.push(f.name);
    else if (f.version < highest.get(f.number)!) selection.older.push(f.name);
    else selection.copy.push(f.name);
  }
  return selection;
}

/**
 * The vendor's differential step for the log (docs/server/operations/backup.md, "Differential backup & restore",
 * v26.0.3): the backup's last chunk is first renamed `.old` (so the chunk that was still being written is copied
 * again), then the chunks selected from the source are copied unless a file of that name is already in the backup,
 * and every chunk file of the backup not selected is removed (the `.old` one, versions a scavenge replaced, merged
 * chunks). `backup` lists the backup's chunk files after the rename.
 */
export function differentialChunks(backup: string[], selected: string[]): { copy: string[]; remove: string[] } {
  const present = new Set(backup);
  const keep = new Set(selected);
  return {
    copy: selected.filter((name) => !present.has(name)),
    remove: backup.filter((name) => !keep.has(name)).sort(),
  };
}

/** The backup's last chunk, which the differential step renames `.old` first; undefined in an empty backup. */
export function lastChunk(backup: string[]): string | undefined {
  return backup
    .filter((name) => parseChunkFileName(name))
    .sort()
    .at(-1);
}
