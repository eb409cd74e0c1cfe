/**
 * Mosquitto's persistence file (`mosquitto.db`), read the way Mosquitto 2.0.11 reads it (eclipse/mosquitto v2.0.11,
 * src/persist_read.c `persist__restore`, src/persist.h, src/persist_write_v5.c): a 15-byte magic, a CRC field that is
 * written as 0 and never checked, the format version (6 for 2.0), then chunks of `type, length` (big-endian uint32)
 * and `length` bytes. There is no checksum anywhere: a changed byte inside a payload loads as a changed payload.
 */
export const DB_MAGIC = Buffer.from([0x00, 0xb5, 0x00, ...Buffer.from("mosquitto db")]);
const HEADER_BYTES = 15 + 4 + 4;

/** persist.h: DB_CHUNK_CFG … DB_CHUNK_CLIENT. */
export const CHUNK_TYPES: Record<number, string> = {
  1: "cfg",
  2: "msg-store",
  3: "client-msg",
  4: "retain",
  5: "sub",
  6: "client",
};

/** sizeof(struct PF_msg_store): store_id, expiry_time, payloadlen, five uint16 lengths and the port, qos, retain. */
const PF_MSG_STORE_BYTES = 32;

export interface StoredMessage {
  /** Byte offset of the payload in the file. */
  payloadOffset: number;
  payloadLength: number;
  topic: string;
  retain: boolean;
}

export interface DbScan {
  bytes: number;
  version?: number;
  /** Chunks by type name, e.g. `{ "msg-store": 120, client: 24, … }`. */
  chunks: Record<string, number>;
  messages: StoredMessage[];
  /** Why Mosquitto would not read it to the end, or start empty; undefined when the walk reached the end exactly. */
  problem?: string;
}

/** Walks the chunks. Never throws: what does not parse is the `problem`. */
export function scanDb(buf: Buffer): DbScan {
  const scan: DbScan = { bytes: buf.length, chunks: {}, messages: [] };
  if (buf.length === 0)
    return {
      ...scan,
      problem: 'the file is empty: Mosquitto starts with nothing ("Warning: Persistence file is empty.")',
    };
  if (buf.length < HEADER_BYTES)
    return { ...scan, problem: `the file has ${buf.length} bytes, less than the ${HEADER_BYTES}-byte header` };
  if (!buf.subarray(0, 15).equals(DB_MAGIC))
    return { ...scan, problem: "the file does not start with Mosquitto's magic bytes" };
  scan.version = buf.readUInt32BE(19);
  if (scan.version !== 6 && scan.version !== 5)
    return {
      ...scan,
      problem: `format version ${scan.version}: this reader knows versions 5 and 6 (Mosquitto 1.6/2.0)`,
    };
  let at = HEADER_BYTES;
  while (at < buf.length) {
    if (buf.length - at < 8)
      return {
        ...scan,
        problem: `truncated: ${buf.length - at} byte(s) after the last chunk, less than a chunk header`,
      };
    const type = buf.readUInt32BE(at);
    const length = buf.readUInt32BE(at + 4);
    const body = at + 8;
    if (body + length > buf.length)
      return {
        ...scan,
        problem: `truncated: a ${CHUNK_TYPES[type] ?? `type-${type}`} chunk at byte ${at} declares ${length} bytes, ${buf.length - body} remain`,
      };
    const name = CHUNK_TYPES[type] ?? `unknown-${type}`;
    scan.chunks[name] = (scan.chunks[name] ?? 0) + 1;
    if (type === 2 && length >= PF_MSG_STORE_BYTES) {
      const payloadLength = buf.readUInt32BE(body + 16);
      const sourceIdLen = buf.readUInt16BE(body + 22);
      const usernameLen = buf.readUInt16BE(body + 24);
      const topicLen = buf.readUInt16BE(body + 26);
      const topicOffset = body + PF_MSG_STORE_BYTES + sourceIdLen + usernameLen;
      const payloadOffset = topicOffset + topicLen;
      if (payloadOffset + payloadLength <= body + length) {
        scan.messages.push({
          payloadOffset,
          payloadLength,
          topic: buf.subarray(topicOffset, payloadOffset).toString("utf8"),
          retain: buf[body + 31] !== 0,
        });
      }
    }
    at = body + length;
  }
  return scan;
}

/**
 * A length to cut the file to that falls inside a chunk's body, near `fraction` of the file: a cut exactly at a chunk
 * boundary leaves a shorter file Mosquitto reads without complaint (it stops at the end), which is another fault.
 */
export function midChunkCut(buf: Buffer, fraction: number): { newSize: number; chunk: string; chunkAt: number } {
  const aim = Math.floor(buf.length * fraction);
  for (let at = HEADER_BYTES; at + 8 <= buf.length;) {
    const length = buf.readUInt32BE(at + 4);
    if (at + 8 + length >= aim && length > 1)
      return {
        newSize: at + 8 + Math.floor(length / 2),
        chunk: CHUNK_TYPES[buf.readUInt32BE(at)] ?? "unknown",
        chunkAt: at,
      };
    at += 8 + length;
  }
  throw new Error(`no chunk with a body to cut in a ${buf.length}-byte file`);
}

export function describeScan(scan: DbScan): string {
  const chunks = Object.entries(scan.chunks)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  return `${scan.bytes} bytes, format ${scan.version ?? "?"}${chunks ? `: ${chunks}` : ""}`;
}

/** What part of mosquitto.db byte `offset` lies in: the header, a chunk by its type, or past the last whole chunk. */
export function partAt(buf: Buffer, offset: number): string {
  if (offset < HEADER_BYTES) return "header";
  for (let at = HEADER_BYTES; at + 8 <= buf.length;) {
    const length = buf.readUInt32BE(at + 4);
    if (offset < at + 8 + length) return `${CHUNK_TYPES[buf.readUInt32BE(at)] ?? "unknown"} chunk`;
    at += 8 + length;
  }
  return "past the last chunk";
}
