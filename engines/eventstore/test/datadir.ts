import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CHUNK_VERSION,
  buildCompletedChunk,
  buildOngoingChunk,
  chunkFileName,
  encodeCheckpoint,
  formatIndexMap,
  type ChunkHeader,
} from "../formats.ts";

/**
 * Builds EventStoreDB database directories byte for byte from the formats in engines/eventstore/formats.ts, the way a
 * node leaves them: records framed `[length][payload][length]`, a chunk completed when the next record does not fit,
 * the last chunk preallocated and open, checkpoints of 8 bytes. Small chunk sizes keep the files small.
 */
export function frame(payload: Buffer): Buffer {
  const out = Buffer.alloc(payload.length + 8);
  out.writeInt32LE(payload.length, 0);
  payload.copy(out, 4);
  out.writeInt32LE(payload.length, 4 + payload.length);
  return out;
}

export interface BuiltLog {
  chunkSize: number;
  /** Global log position after each record. */
  ends: number[];
  /** Chunk files written, in order. */
  files: string[];
  writer: number;
}

export function header(
  number: number,
  chunkSize: number,
  version: number,
  opts: Partial<ChunkHeader> = {},
): ChunkHeader {
  return {
    version,
    minCompatibleVersion: version >= CHUNK_VERSION.transformed ? CHUNK_VERSION.aligned : version,
    chunkSize,
    chunkStartNumber: number,
    chunkEndNumber: number,
    isScavenged: false,
    chunkId: randomBytes(16).toString("hex"),
    transformType: 0,
    ...opts,
  };
}

/**
 * Writes `records` payloads into chunks of `chunkSize` data bytes under `dir`; `pastWriter` more records are written
 * into the open chunk after the writer position (appends that landed after writer.chk was copied).
 */
export async function writeLog(
  dir: string,
  opts: { chunkSize: number; version: number; records: Buffer[]; pastWriter?: Buffer[] },
): Promise<BuiltLog> {
  await mkdir(dir, { recursive: true });
  const { chunkSize, version } = opts;
  const ends: number[] = [];
  const files: string[] = [];
  let chunk = 0;
  let data: Buffer[] = [];
  let used = 0;
  for (const payload of opts.records) {
    const f = frame(payload);
    if (used + f.length > chunkSize) {
      await writeFile(
        join(dir, chunkFileName(chunk, 0)),
        buildCompletedChunk({ header: header(chunk, chunkSize, version), data: Buffer.concat(data) }),
      );
      files.push(chunkFileName(chunk, 0));
      chunk++;
      data = [];
      used = 0;
    }
    data.push(f);
    used += f.length;
    ends.push(chunk * chunkSize + used);
  }
  const writer = chunk * chunkSize + used;
  const tail = Buffer.concat([...data, ...(opts.pastWriter ?? []).map(frame)]);
  await writeFile(
    join(dir, chunkFileName(chunk, 0)),
    buildOngoingChunk({ header: header(chunk, chunkSize, version), data: tail }),
  );
  files.push(chunkFileName(chunk, 0));
  return { chunkSize, ends, files, writer };
}

export async function writeCheckpoints(
  dir: string,
  values: Partial<Record<"writer" | "chaser" | "epoch" | "proposal" | "truncate", number>>,
): Promise<void> {
  for (const [name, value] of Object.entries(values))
    await writeFile(join(dir, `${name}.chk`), encodeCheckpoint(value));
}

/** An index with one PTable whose checkpoint is `commit` (a position the chaser had passed when it was written). */
export async function writeIndexMap(dir: string, commit = 0): Promise<void> {
  await mkdir(join(dir, "index"), { recursive: true });
  await writeFile(join(dir, "index", "0b9f8a3e-ptable"), "ptable");
  await writeFile(
    join(dir, "index", "indexmap"),
    formatIndexMap({
      version: 2,
      prepareCheckpoint: commit,
      commitCheckpoint: commit,
      maxAutoMergeLevel: 2147483647,
      ptables: ["0b9f8a3e-ptable"],
    }),
  );
}

/** `n` payloads of 40-90 bytes with distinct contents. */
export function payloads(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(`event-${i}:${"x".repeat(30 + ((i * 7) % 50))}`));
}

/** A sound backup of a node that went on writing: chaser a few records behind the writer, records past the writer. */
export async function soundBackup(
  dir: string,
  opts: { version?: number; records?: number; lag?: number; truncate?: "chaser" | -1 | "absent" } = {},
): Promise<BuiltLog & { chaser: number }> {
  const log = await writeLog(dir, {
    chunkSize: 4096,
    version: opts.version ?? CHUNK_VERSION.transformed,
    records: payloads(opts.records ?? 200),
    pastWriter: payloads(3),
  });
  const chaser = log.ends[log.ends.length - 1 - (opts.lag ?? 5)]!;
  const truncate = opts.truncate ?? "chaser";
  await writeCheckpoints(dir, {
    writer: log.writer,
    chaser,
    epoch: 0,
    proposal: -1,
    ...(truncate === "absent" ? {} : { truncate: truncate === "chaser" ? chaser : truncate }),
  });
  await writeIndexMap(dir);
  return { ...log, chaser };
}
