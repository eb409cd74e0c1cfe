import { createHash } from "node:crypto";

/**
 * The on-disk formats of an EventStoreDB / KurrentDB database directory, read (and, for tests and faults, written)
 * exactly as the servers define them. Sources read (github:EventStore/EventStore, github:kurrent-io/KurrentDB):
 * - src/EventStore.Core/TransactionLog/Chunks/ChunkHeader.cs (oss-v22.10.5 and v24.10.0; KurrentDB.Core at 26.x is
 *   the same byte layout): file type 2, MinCompatibleVersion, ChunkSize, ChunkStartNumber, ChunkEndNumber,
 *   IsScavenged (int32), ChunkId (16 bytes), then from chunk version 4 (`Transformed`) Version and TransformType at
 *   bytes 34 and 35; the rest of the 128 bytes is zero. Before 24.x byte 1 was simply "the version".
 * - src/EventStore.Core/TransactionLog/Chunks/ChunkFooter.cs: flags (1 completed, 2 map of 12-byte entries),
 *   PhysicalDataSize (int32), LogicalDataSize (int64 when the map is 12-byte, else int32), MapSize (int32), zeros, and
 *   the MD5 in the last 16 of the 128 bytes.
 * - src/EventStore.Core/TransactionLog/Chunks/TFChunk/TFChunk.cs (`WriteFooter`, `VerifyFileHash`, `GetAlignedSize`):
 *   a completed chunk is header, data, position map, zero padding up to a multiple of 4096 (chunk version ≥ 3), then
 *   the footer; its MD5 covers the whole file except the hash itself. A chunk being written is preallocated to
 *   align(ChunkSize + 256) and its footer area is still zero.
 * - src/EventStore.Core/TransactionLog/Chunks/TFConsts.cs: header and footer 128 bytes, default chunk 256 MiB.
 * - src/EventStore.Core/TransactionLog/Checkpoint/FileCheckpoint.cs: a checkpoint file is 8 bytes, one int64
 *   little-endian (BinaryWriter), created with -1 for epoch, proposal and truncate (ClusterVNode.cs).
 * - src/EventStore.Core/TransactionLog/FileNamingStrategy/VersionedPatternFileNamingStrategy.cs: `chunk-XXXXXX.YYYYYY`
 *   (number and version, six digits each, `^chunk-\d{6}\.\d{6}$`).
 */
export const CHUNK_HEADER_SIZE = 128;
export const CHUNK_FOOTER_SIZE = 128;
export const CHUNK_CHECKSUM_SIZE = 16;
export const CHUNK_ALIGNMENT = 4096;
/** `FileType.ChunkFile` (src/EventStore.Core/Index/FileType.cs; 1 is a PTable). */
export const CHUNK_FILE_TYPE = 2;
/** `TFChunk.ChunkVersions`: 22.10 and 23.10 write 3, 24.x and KurrentDB write 4 (min. compatible 3 without a transform). */
export const CHUNK_VERSION = { unaligned: 2, aligned: 3, transformed: 4 } as const;
/** Size of one position-map entry: `PosMap.FullSize` (12) or the deprecated 8. */
const POS_MAP_SIZE = { full: 12, deprecated: 8 } as const;

/** A file that does not follow the format, with what was expected where. */
export class FormatError extends Error {}

export interface ChunkHeader {
  /** The chunk format version (for a v3 header, the single version byte). */
  version: number;
  minCompatibleVersion: number;
  chunkSize: number;
  chunkStartNumber: number;
  chunkEndNumber: number;
  isScavenged: boolean;
  /** The chunk's GUID as its 16 stored bytes, hex. */
  chunkId: string;
  /** 0 is the identity transform (no encryption or compression). */
  transformType: number;
}

export interface ChunkFooter {
  isCompleted: boolean;
  isMap12Bytes: boolean;
  physicalDataSize: number;
  logicalDataSize: number;
  mapSize: number;
  /** The stored MD5, hex. */
  md5: string;
}

export function formatChunkHeader(h: ChunkHeader): Buffer {
  const buf = Buffer.alloc(CHUNK_HEADER_SIZE);
  buf.writeUInt8(CHUNK_FILE_TYPE, 0);
  buf.writeUInt8(h.minCompatibleVersion, 1);
  buf.writeInt32LE(h.chunkSize, 2);
  buf.writeInt32LE(h.chunkStartNumber, 6);
  buf.writeInt32LE(h.chunkEndNumber, 10);
  buf.writeInt32LE(h.isScavenged ? 1 : 0, 14);
  Buffer.from(h.chunkId, "hex").copy(buf, 18, 0, 16);
  if (h.version >= CHUNK_VERSION.transformed) {
    buf.writeUInt8(h.version, 34);
    buf.writeUInt8(h.transformType, 35);
  }
  return buf;
}

export function parseChunkHeader(buf: Buffer): ChunkHeader {
  if (buf.length < CHUNK_HEADER_SIZE)
    throw new FormatError(`too short to hold a chunk header: ${buf.length} bytes, ${CHUNK_HEADER_SIZE} needed`);
  const fileType = buf.readUInt8(0);
  if (fileType !== CHUNK_FILE_TYPE)
    throw new FormatError(`not a chunk file: file type byte is ${fileType}, expected ${CHUNK_FILE_TYPE}`);
  const minCompatibleVersion = buf.readUInt8(1);
  const stored = buf.readUInt8(34);
  // ChunkHeader(ReadOnlySpan<byte>): a zero version byte means a pre-24.x header whose only version is byte 1.
  const version = stored === 0 ? minCompatibleVersion : stored;
  const header: ChunkHeader = {
    version,
    minCompatibleVersion,
    chunkSize: buf.readInt32LE(2),
    chunkStartNumber: buf.readInt32LE(6),
    chunkEndNumber: buf.readInt32LE(10),
    isScavenged: buf.readInt32LE(14) > 0,
    chunkId: buf.subarray(18, 34).toString("hex"),
    transformType: version >= CHUNK_VERSION.transformed ? buf.readUInt8(35) : 0,
  };
  if (header.chunkSize <= 0) throw new FormatError(`chunk size ${header.chunkSize} is not positive`);
  if (header.chunkStartNumber < 0 || header.chunkStartNumber > header.chunkEndNumber) {
    throw new FormatError(`chunk numbers ${header.chunkStartNumber}-${header.chunkEndNumber} are not a range`);
  }
  if (version < minCompatibleVersion)
    throw new FormatError(`version ${version} is below its minimum compatible version ${minCompatibleVersion}`);
  return header;
}

export function formatChunkFooter(f: Omit<ChunkFooter, "md5"> & { md5?: string }): Buffer {
  const buf = Buffer.alloc(CHUNK_FOOTER_SIZE);
  buf.writeUInt8((f.isCompleted ? 1 : 0) | (f.isMap12Bytes ? 2 : 0), 0);
  buf.writeInt32LE(f.physicalDataSize, 1);
  let at = 5;
  if (f.isMap12Bytes) at = buf.writeBigInt64LE(BigInt(f.logicalDataSize), at);
  else at = buf.writeInt32LE(f.logicalDataSize, at);
  buf.writeInt32LE(f.mapSize, at);
  if (f.md5) Buffer.from(f.md5, "hex").copy(buf, CHUNK_FOOTER_SIZE - CHUNK_CHECKSUM_SIZE);
  return buf;
}

export function parseChunkFooter(buf: Buffer): ChunkFooter {
  if (buf.length < CHUNK_FOOTER_SIZE) throw new FormatError(`too short to hold a chunk footer: ${buf.length} bytes`);
  const flags = buf.readUInt8(0);
  const isMap12Bytes = (flags & 2) !== 0;
  const physicalDataSize = buf.readInt32LE(1);
  const logicalDataSize = isMap12Bytes ? Number(buf.readBigInt64LE(5)) : buf.readInt32LE(5);
  const mapSize = buf.readInt32LE(isMap12Bytes ? 13 : 9);
  const entry = isMap12Bytes ? POS_MAP_SIZE.full : POS_MAP_SIZE.deprecated;
  if (physicalDataSize < 0 || logicalDataSize < physicalDataSize) {
    throw new FormatError(
      `footer sizes disagree: physical ${physicalDataSize}, logical ${logicalDataSize} (logical must be ≥ physical ≥ 0)`,
    );
  }
  if (mapSize < 0 || mapSize % entry !== 0)
    throw new FormatError(`footer map size ${mapSize} is not a multiple of the ${entry}-byte position map entry`);
  return {
    isCompleted: (flags & 1) !== 0,
    isMap12Bytes,
    physicalDataSize,
    logicalDataSize,
    mapSize,
    md5: buf.subarray(CHUNK_FOOTER_SIZE - CHUNK_CHECKSUM_SIZE).toString("hex"),
  };
}

/** `TFChunk.GetAlignedSize`: the next multiple of 4096. */
export function alignedSize(size: number): number {
  return Math.ceil(size / CHUNK_ALIGNMENT) * CHUNK_ALIGNMENT;
}

/** `VerifyFileHash`: MD5 of the whole file but its last 16 bytes (where the hash is stored). */
export function chunkMd5(file: Buffer): string {
  return createHash("md5")
    .update(file.subarray(0, file.length - CHUNK_CHECKSUM_SIZE))
    .digest("hex");
}

/**
 * A completed chunk as `TFChunk.Complete` leaves it: header, records, position map (scavenged chunks), zero padding
 * to 4096 bytes for chunk version ≥ 3, footer with the MD5 of everything before the hash.
 */
export function buildCompletedChunk(opts: {
  header: ChunkHeader;
  data: Buffer;
  posMap?: Buffer;
  logicalDataSize?: number;
}): Buffer {
  const map = opts.posMap ?? Buffer.alloc(0);
  const body = CHUNK_HEADER_SIZE + opts.data.length + map.length;
  const total =
    opts.header.version >= CHUNK_VERSION.aligned ? alignedSize(body + CHUNK_FOOTER_SIZE) : body + CHUNK_FOOTER_SIZE;
  const file = Buffer.alloc(total);
  formatChunkHeader(opts.header).copy(file, 0);
  opts.data.copy(file, CHUNK_HEADER_SIZE);
  map.copy(file, CHUNK_HEADER_SIZE + opts.data.length);
  const footer = formatChunkFooter({
    isCompleted: true,
    isMap12Bytes: true,
    physicalDataSize: opts.data.length,
    logicalDataSize: opts.logicalDataSize ?? opts.data.length,
    mapSize: map.length,
  });
  footer.copy(file, total - CHUNK_FOOTER_SIZE);
  Buffer.from(chunkMd5(file), "hex").copy(file, total - CHUNK_CHECKSUM_SIZE);
  return file;
}

/** The chunk being written: preallocated to align(ChunkSize + header + footer), records so far, footer still zero. */
export function buildOngoingChunk(opts: { header: ChunkHeader; data: Buffer }): Buffer {
  const file = Buffer.alloc(alignedSize(opts.header.chunkSize + CHUNK_HEADER_SIZE + CHUNK_FOOTER_SIZE));
  formatChunkHeader(opts.header).copy(file, 0);
  opts.data.copy(file, CHUNK_HEADER_SIZE);
  return file;
}

const CHUNK_NAME = /^chunk-(\d{6})\.(\d{6})$/;

export function chunkFileName(number: number, version: number): string {
  return `chunk-${String(number).padStart(6, "0")}.${String(version).padStart(6, "0")}`;
}

/** Number (X) and version (Y) of `chunk-X.Y`, or undefined for any other name. */
export function parseChunkFileName(name: string): { number: number; version: number } | undefined {
  const m = CHUNK_NAME.exec(name);
  return m ? { number: Number(m[1]), version: Number(m[2]) } : undefined;
}

/** The database checkpoints, in the directory of the chunks (ClusterVNode.cs). */
export const DB_CHECKPOINTS = ["writer", "chaser", "epoch", "proposal", "truncate"] as const;
export type DbCheckpoint = (typeof DB_CHECKPOINTS)[number];

export function encodeCheckpoint(value: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64LE(BigInt(value));
  return buf;
}

export function decodeCheckpoint(buf: Buffer): number {
  if (buf.length !== 8) throw new FormatError(`a checkpoint file holds 8 bytes, this one ${buf.length}`);
  const value = buf.readBigInt64LE(0);
  if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new FormatError(`checkpoint value ${value} is out of range`);
  return Number(value);
}

/**
 * `index/indexmap` (src/EventStore.Core/Index/IndexMap.cs, `SaveToFile` / `FromFile`): text lines, the first the MD5
 * (32 upper-case hex digits) of every byte after those 32, then the version, `prepare/commit` checkpoints, from
 * version 2 the maximum auto-merge level, then one `level,index,file` line per PTable.
 */
export interface IndexMap {
  version: number;
  prepareCheckpoint: number;
  commitCheckpoint: number;
  ptables: string[];
  /** The stored MD5 matches the file. */
  hashMatches: boolean;
}

export function formatIndexMap(m: {
  version: number;
  prepareCheckpoint: number;
  commitCheckpoint: number;
  maxAutoMergeLevel: number;
  ptables: string[];
}): Buffer {
  const body =
    [
      `${m.version}`,
      `${m.prepareCheckpoint}/${m.commitCheckpoint}`,
      ...(m.version > 1 ? [`${m.maxAutoMergeLevel}`] : []),
      ...m.ptables.map((f, i) => `0,${i},${f}`),
    ].join("\n") + "\n";
  const tail = Buffer.from(`\n${body}`, "utf8");
  return Buffer.concat([Buffer.from(createHash("md5").update(tail).digest("hex").toUpperCase(), "ascii"), tail]);
}

export function parseIndexMap(file: Buffer): IndexMap {
  const text = file.toString("utf8");
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const stored = lines[0] ?? "";
  if (!/^[0-9A-F]{32}$/.test(stored))
    throw new FormatError(`indexmap hash line is not 32 hex digits: "${stored.slice(0, 40)}"`);
  const version = Number(lines[1]);
  const checkpoints = /^(-?\d+)\/(-?\d+)$/.exec(lines[2] ?? "");
  if (!Number.isInteger(version) || !checkpoints)
    throw new FormatError(`indexmap header unreadable: version "${lines[1]}", checkpoints "${lines[2]}"`);
  const entries = lines.slice(version > 1 ? 4 : 3).filter((l) => l !== "");
  return {
    version,
    prepareCheckpoint: Number(checkpoints[1]),
    commitCheckpoint: Number(checkpoints[2]),
    ptables: entries.map((l) => l.split(",")[2] ?? ""),
    hashMatches: createHash("md5").update(file.subarray(32)).digest("hex").toUpperCase() === stored,
  };
}
