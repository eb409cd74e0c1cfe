import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import { chunkLayout, listChunks, type ChunkFile } from "./chunk-set.ts";
import {
  CHUNK_CHECKSUM_SIZE,
  CHUNK_FOOTER_SIZE,
  CHUNK_HEADER_SIZE,
  alignedSize,
  CHUNK_VERSION,
  DB_CHECKPOINTS,
  decodeCheckpoint,
  parseChunkFooter,
  parseChunkHeader,
  parseIndexMap,
  type ChunkFooter,
  type IndexMap,
  type ChunkHeader,
  type DbCheckpoint,
} from "./formats.ts";

/**
 * A `pg_verifybackup` for event stores: reads a database directory as the node will find it and says, before any
 * server starts, whether it can open it and what it will do with it. Every rule cites the server code it mirrors.
 */
export interface InspectOptions {
  /** The restore copies chaser.chk to truncate.chk (the guide's step 3): judge truncate.chk as that copy. */
  restoreWritesTruncate: boolean;
  /** The highest chunk version the target server reads (`TFChunk.CurrentChunkVersion`: 3 up to 23.10, 4 after). */
  targetChunkVersion: number;
  /** `MaxTruncation` of the target (ClusterVNodeOptions.cs: 256 MiB by default). */
  maxTruncation?: number;
}

export const DEFAULT_MAX_TRUNCATION = 256 * 1024 * 1024;

type Checkpoints = Partial<Record<DbCheckpoint, number>>;

interface ReadChunk {
  file: ChunkFile;
  size: number;
  header?: ChunkHeader;
  footer?: ChunkFooter;
  error?: string;
}

async function readCheckpoints(dir: string): Promise<{ values: Checkpoints; problems: string[] }> {
  const values: Checkpoints = {};
  const problems: string[] = [];
  for (const name of DB_CHECKPOINTS) {
    const path = join(dir, `${name}.chk`);
    if (!existsSync(path)) continue;
    try {
      values[name] = decodeCheckpoint(await readFile(path));
    } catch (err) {
      problems.push(`${name}.chk: ${(err as Error).message}`);
    }
  }
  return { values, problems };
}

async function readChunk(file: ChunkFile): Promise<ReadChunk> {
  const path = join(file.dir, file.name);
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(CHUNK_HEADER_SIZE);
    const foot = Buffer.alloc(CHUNK_FOOTER_SIZE);
    if (size < CHUNK_HEADER_SIZE + CHUNK_FOOTER_SIZE)
      return { file, size, error: `${file.name} is ${size} bytes, too short for a header and a footer (torn copy?)` };
    await handle.read(head, 0, CHUNK_HEADER_SIZE, 0);
    await handle.read(foot, 0, CHUNK_FOOTER_SIZE, size - CHUNK_FOOTER_SIZE);
    try {
      return { file, size, header: parseChunkHeader(head), footer: parseChunkFooter(foot) };
    } catch (err) {
      return { file, size, error: `${file.name}: ${(err as Error).message}` };
    }
  } finally {
    await handle.close();
  }
}

async function md5Of(path: string, size: number): Promise<string> {
  const hash = createHash("md5");
  for await (const piece of createReadStream(path, { start: 0, end: size - CHUNK_CHECKSUM_SIZE - 1 }))
    hash.update(piece as Buffer);
  return hash.digest("hex");
}

/**
 * Walks the records of a chunk's data area from its start: each is `[int32 length][record][int32 length]`
 * (TFChunk.cs, `TryAppend`). Returns the offset after the last whole record before `limit`.
 */
export function recordsEnd(data: Buffer, limit = data.length): number {
  let at = 0;
  while (at + 8 <= limit) {
    const length = data.readInt32LE(at);
    if (length <= 0 || at + 8 + length > limit || data.readInt32LE(at + 4 + length) !== length) break;
    at += 8 + length;
  }
  return at;
}

const fail = (name: string, summary: string, examples?: string[]): CheckResult => ({
  name,
  valid: false,
  summary,
  ...(examples?.length ? { examples: examples.slice(0, 20) } : {}),
});
const pass = (name: string, summary: string, details?: Record<string, unknown>): CheckResult => ({
  name,
  valid: true,
  summary,
  ...(details ? { details } : {}),
});

/** TFChunkDb.ValidateReaderChecksumsMustBeLess, and the files ClusterVNode opens (a missing one is recreated empty). */
function checkpointCheck(values: Checkpoints, problems: string[]): CheckResult {
  const name = "preflight:checkpoints";
  if (problems.length) return fail(name, `unreadable checkpoint file(s): ${problems.join("; ")}`, problems);
  const missing = (["writer", "chaser", "epoch"] as const).filter((c) => values[c] === undefined);
  if (missing.length) {
    return fail(
      name,
      `${missing.map((m) => `${m}.chk`).join(", ")} missing: the node would recreate ${missing.length > 1 ? "them" : "it"} (writer 0 = an empty database, silently)`,
    );
  }
  const writer = values.writer!;
  const above = (["chaser", "epoch"] as const).filter((c) => values[c]! > writer);
  if (above.length) {
    return fail(
      name,
      `${above.map((c) => `${c}.chk (${values[c]})`).join(" and ")} above writer.chk (${writer}): the node refuses to open (ReaderCheckpointHigherThanWriterException); were the chunks copied before the checkpoints?`,
    );
  }
  const proposal =
    values.proposal === undefined ? "proposal.chk absent (recreated as -1)" : `proposal ${values.proposal}`;
  return pass(name, `writer ${writer}, chaser ${values.chaser}, epoch ${values.epoch}, ${proposal}`, { ...values });
}

/**
 * The guide's restore step 3 (chaser.chk → truncate.chk) and what the server does with it (ClusterVNode.StartNode,
 * TFChunkDbTruncator.TruncateDb): -1 or a missing file (FileCheckpoint recreates it as -1) means no truncation, so
 * everything between chaser and writer, copied while the node wrote, stays in the log; a truncation longer than
 * MaxTruncation is refused.
 */
function truncateCheck(values: Checkpoints, hasFile: boolean, opts: InspectOptions): CheckResult {
  const name = "preflight:truncate-checkpoint";
  const { writer, chaser } = values;
  if (writer === undefined || chaser === undefined)
    return fail(name, "cannot judge truncate.chk without writer.chk and chaser.chk");
  const tail = writer - chaser;
  if (tail < 0)
    return fail(
      name,
      `chaser.chk (${chaser}) is past writer.chk (${writer}): there is no log tail to truncate, and the node refuses to open (ReaderCheckpointHigherThanWriterException)`,
    );
  const truncate = hasFile ? values.truncate : -1;
  if (tail === 0 && (truncate === -1 || truncate === chaser)) {
    const file = !hasFile
      ? "truncate.chk absent (recreated as -1)"
      : truncate === -1
        ? "truncate.chk -1"
        : "truncate.chk equals chaser.chk";
    return pass(
      name,
      `${opts.restoreWritesTruncate ? "the restore copies chaser.chk to truncate.chk" : file}: nothing to truncate, chaser.chk equals writer.chk (${writer})`,
      { writer, chaser, truncation: 0 },
    );
  }
  if (opts.restoreWritesTruncate)
    return truncateBound(
      name,
      writer,
      chaser,
      opts,
      `the restore copies chaser.chk to truncate.chk: the node truncates ${tail} byte(s) to ${chaser}`,
    );
  if (!hasFile) {
    return fail(
      name,
      `truncate.chk missing: the node recreates it as -1 and does not truncate, so it starts at writer ${writer} keeping the ${tail} byte(s) past chaser ${chaser} that were copied while the node wrote`,
    );
  }
  if (truncate !== chaser) {
    const what = truncate === -1 ? "-1 (no truncation)" : String(truncate);
    return fail(
      name,
      `truncate.chk (${what}) differs from chaser.chk (${chaser}): the restore did not copy chaser.chk to truncate.chk; the node ${truncate === -1 ? `keeps ${tail} byte(s) past the chaser` : `truncates to ${truncate} instead`}`,
    );
  }
  return truncateBound(
    name,
    writer,
    chaser,
    opts,
    `truncate.chk equals chaser.chk (${chaser}): the node truncates ${tail} byte(s)`,
  );
}

function truncateBound(
  name: string,
  writer: number,
  chaser: number,
  opts: InspectOptions,
  summary: string,
): CheckResult {
  const max = opts.maxTruncation ?? DEFAULT_MAX_TRUNCATION;
  if (max >= 0 && writer - chaser > max)
    return fail(
      name,
      `truncation of ${writer - chaser} bytes exceeds MaxTruncation (${max}): the node refuses to start unless MAX_TRUNCATION is raised`,
    );
  return pass(name, summary, { writer, chaser, truncation: writer - chaser });
}

/**
 * Inspects a database directory (checkpoints, `chunk-X.Y` files, `index/`) as the node will open it. A chunk size
 * comes from the chunks' own headers, so small test databases and 256 MiB ones are read the same way.
 */
export async function inspectDatabase(dir: string, opts: InspectOptions): Promise<CheckResult[]> {
  const { values, problems } = await readCheckpoints(dir);
  const results = [
    checkpointCheck(values, problems),
    truncateCheck(values, existsSync(join(dir, "truncate.chk")), opts),
  ];
  const files = await listChunks(dir);
  const chunks = await Promise.all(files.map(readChunk));
  // The truncate position the node will find (ClusterVNode.cs: it truncates when truncate.chk is not -1).
  const truncateAt = opts.restoreWritesTruncate
    ? values.chaser
    : existsSync(join(dir, "truncate.chk"))
      ? values.truncate
      : -1;
  const truncates = truncateAt !== undefined && truncateAt !== -1;
  results.push(...(await chunkChecks(dir, chunks, values, opts, truncates)));
  results.push(await indexCheck(dir, values));
  return results;
}

async function chunkChecks(
  dir: string,
  chunks: ReadChunk[],
  values: Checkpoints,
  opts: InspectOptions,
  truncates: boolean,
): Promise<CheckResult[]> {
  const unreadable = chunks.filter((c) => c.error !== undefined);
  const headers = chunks.filter((c) => c.header);
  const sizes = [...new Set(headers.map((c) => c.header!.chunkSize))];
  if (values.writer === undefined || sizes.length !== 1) {
    const why =
      values.writer === undefined
        ? "no writer.chk"
        : sizes.length === 0
          ? "no readable chunk header"
          : `chunks disagree on the chunk size (${sizes.join(", ")})`;
    return [
      fail(
        "preflight:chunk-numbering",
        `cannot lay out the chunks: ${why}`,
        unreadable.map((c) => c.error!),
      ),
    ];
  }
  const chunkSize = sizes[0]!;
  const writer = values.writer;
  const last = Math.floor(writer / chunkSize);
  const byName = new Map(chunks.map((c) => [c.file.name, c]));
  const layout = chunkLayout(
    chunks.map((c) => c.file),
    last,
    (f) => byName.get(f.name)?.header?.chunkEndNumber ?? f.number,
    truncates,
  );
  const onBoundary = writer === last * chunkSize;
  const fatalMissing = layout.missing.filter((n) => n < last || (n === last && !onBoundary));
  const numbering: string[] = [];
  if (fatalMissing.length)
    numbering.push(
      `chunk number(s) ${fatalMissing.join(", ")} missing up to the writer (chunk ${last}): the node refuses (ChunkNotFoundException)`,
    );
  if (layout.refusedByTruncator.length)
    numbering.push(
      `${layout.refusedByTruncator.map((f) => f.name).join(", ")} past the writer's chunk ${last}: the node truncates first and refuses ("During truncation of DB excessive TFChunks were found", TFChunkDbTruncator)`,
    );
  if (layout.extraneous.length)
    numbering.push(
      `unexpected chunk file(s) past the writer: ${layout.extraneous.map((f) => f.name).join(", ")} (ExtraneousFileFoundException)`,
    );
  for (const { file, start } of layout.latest) {
    const h = byName.get(file.name)?.header;
    if (h && h.chunkStartNumber !== start) numbering.push(`${file.name} says it starts at chunk ${h.chunkStartNumber}`);
  }
  const numberingCheck = numbering.length
    ? fail("preflight:chunk-numbering", numbering.join("; "), numbering)
    : pass(
        "preflight:chunk-numbering",
        `chunks 0..${last} present for writer ${writer} (chunk size ${chunkSize}): ${layout.latest.length} latest file(s)` +
          (layout.old.length ? `, ${layout.old.length} older version(s) the node removes` : "") +
          (layout.excessive.length ? `, ${layout.excessive.map((f) => f.name).join(", ")} removed as excessive` : ""),
        { chunkSize, lastChunk: last, latest: layout.latest.map((l) => `${l.file.name} (${l.start}-${l.end})`) },
      );

  const bad: string[] = unreadable
    .filter((c) => layout.latest.some((l) => l.file.name === c.file.name))
    .map((c) => c.error!);
  let verified = 0;
  let tail: CheckResult | undefined;
  for (const { file, start, end } of layout.latest) {
    const c = byName.get(file.name)!;
    if (!c.header || !c.footer) continue;
    if (c.header.minCompatibleVersion > opts.targetChunkVersion) {
      bad.push(
        `${file.name} needs chunk version ${c.header.minCompatibleVersion}, the target reads up to ${opts.targetChunkVersion} (UnsupportedFileVersionException)`,
      );
    }
    const historical = end < last || (end === last && onBoundary && c.footer.isCompleted);
    if (historical || c.footer.isCompleted) {
      const problem = await completedChunkProblem(c);
      if (problem) bad.push(problem);
      else verified++;
    } else if (start <= last) {
      tail = await logTailCheck(dir, c, values);
    }
  }
  if (!tail && fatalMissing.includes(last)) {
    tail = fail(
      "preflight:log-tail",
      `writer.chk (${writer}) points into chunk ${last}, which the copy does not hold: the chunks were copied before the checkpoints (the wrong order), or the copy is incomplete`,
    );
  }
  const filesCheck = bad.length
    ? fail("preflight:chunk-files", `${bad.length} chunk file(s) the node cannot use: ${bad[0]}`, bad)
    : pass("preflight:chunk-files", `${verified} completed chunk(s): header, footer and MD5 verified`);
  return [numberingCheck, filesCheck, ...(tail ? [tail] : [])];
}

/** What TFChunk.InitCompleted and VerifyFileHash would say of a completed chunk, or undefined when it is sound. */
async function completedChunkProblem(c: ReadChunk): Promise<string | undefined> {
  const { file, size } = c;
  const header = c.header!;
  const footer = c.footer!;
  if (!footer.isCompleted)
    return `${file.name} should be completed but its footer says it is not (BadChunkInDatabaseException)`;
  const body = CHUNK_HEADER_SIZE + footer.physicalDataSize + footer.mapSize + CHUNK_FOOTER_SIZE;
  const expected = header.version >= CHUNK_VERSION.aligned ? alignedSize(body) : body;
  if (size !== expected)
    return `${file.name} is ${size} bytes, its footer describes ${expected} (truncated or padded copy)`;
  const md5 = await md5Of(join(file.dir, file.name), size);
  if (md5 !== footer.md5)
    return `${file.name}: MD5 ${md5} does not match the footer's ${footer.md5} (the node logs "Verification of chunk … failed" and stops)`;
  return undefined;
}

/**
 * The chunk being written: whole records must reach exactly the writer checkpoint (TFChunkDb.Open opens it with the
 * writer's local position as its write position). Records past it were written after writer.chk was copied: the
 * copy order the guide asks for makes them harmless (the node writes over them).
 */
async function logTailCheck(dir: string, c: ReadChunk, values: Checkpoints): Promise<CheckResult> {
  const name = "preflight:log-tail";
  const header = c.header!;
  const local = values.writer! - header.chunkStartNumber * header.chunkSize;
  const chaserLocal = values.chaser! - header.chunkStartNumber * header.chunkSize;
  const dataSize = Math.min(c.size - CHUNK_HEADER_SIZE, header.chunkSize);
  if (local > dataSize)
    return fail(
      name,
      `writer.chk (${values.writer}) points past the end of ${c.file.name} (${dataSize} data bytes): a torn copy`,
    );
  const data = Buffer.alloc(dataSize);
  const handle = await open(join(dir, c.file.name), "r");
  try {
    await handle.read(data, 0, dataSize, CHUNK_HEADER_SIZE);
  } finally {
    await handle.close();
  }
  const upToWriter = recordsEnd(data, local);
  if (upToWriter !== local) {
    return fail(
      name,
      `${c.file.name} holds whole records only up to local position ${upToWriter}, but writer.chk points to ${local}: the chunk was copied before the checkpoints (the wrong order), or is torn`,
    );
  }
  const beyond = recordsEnd(data.subarray(local));
  return pass(
    name,
    `${c.file.name}: records end exactly at the writer (local ${local}), chaser at local ${chaserLocal}` +
      (beyond
        ? `; ${beyond} byte(s) of records past the writer (written after writer.chk was copied, overwritten by the node)`
        : ""),
    { chunk: c.file.name, writerLocal: local, chaserLocal, recordsPastWriter: beyond },
  );
}

/**
 * The index (TableIndex.Initialize): a missing, unreadable or damaged `indexmap`, a PTable it lists that is gone, or a
 * commit checkpoint at or past the chaser ("IndexMap's CommitCheckpoint … is greater than ChaserCheckpoint", logged as
 * "ReadIndex is corrupted": the index copied after the checkpoints) makes the node delete the index and rebuild it
 * from the chunks. Slow, not a loss: warnings, never a failure.
 */
async function indexCheck(dir: string, values: Checkpoints): Promise<CheckResult> {
  const name = "preflight:index";
  const path = join(dir, "index", "indexmap");
  if (!existsSync(path))
    return pass(
      name,
      "warning: no index/indexmap: the node rebuilds the index from the chunks (slow for a large database)",
    );
  let map: IndexMap;
  try {
    map = parseIndexMap(await readFile(path));
  } catch (err) {
    return pass(name, `warning: index/indexmap unreadable (${(err as Error).message}): the node rebuilds the index`);
  }
  const warnings: string[] = [];
  if (!map.hashMatches) warnings.push("its MD5 does not match (CorruptIndexException)");
  const gone = map.ptables.filter((f) => !existsSync(join(dir, "index", f)));
  if (gone.length) warnings.push(`${gone.length} PTable file(s) it lists are missing (${gone.slice(0, 3).join(", ")})`);
  const chaser = values.chaser;
  if (chaser !== undefined && map.commitCheckpoint >= chaser) {
    warnings.push(
      `its commit checkpoint ${map.commitCheckpoint} is at or past chaser.chk ${chaser}: the node logs "ReadIndex is corrupted" (index copied after the checkpoints?)`,
    );
  }
  return pass(
    name,
    warnings.length
      ? `warning: index/indexmap ${warnings.join("; ")}: the node deletes the index and rebuilds it from the chunks`
      : `index/indexmap sound: ${map.ptables.length} PTable(s), commit checkpoint ${map.commitCheckpoint} before chaser ${chaser}`,
    { ...map, warnings },
  );
}
