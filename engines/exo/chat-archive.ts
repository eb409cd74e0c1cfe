import { gunzipSync } from "node:zlib";
import { BSON } from "mongodb";

/**
 * What a `mongodump --archive --gzip` file holds, read as mongorestore reads it (mongo-tools, common/archive/spec.md):
 * a magic number, a header document, one metadata document per collection up to a terminator, then for each
 * collection segments of documents (a namespace header, the documents, a terminator) and an EOF header. Never
 * throws: what does not parse is the `problem`.
 */
export interface ArchiveContents {
  bytes: number;
  /** `db.collection` → documents, for every collection in the prelude or in a segment. */
  namespaces: Map<string, number>;
  problem?: string;
}

const MAGIC = 0x8199e26d;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const TERMINATOR = -1;

export function readMongoArchive(gz: Buffer): ArchiveContents {
  const contents: ArchiveContents = { bytes: gz.length, namespaces: new Map() };
  let buf: Buffer;
  try {
    buf = gunzipSync(gz);
  } catch (err) {
    return { ...contents, problem: `not a whole gzip stream (${messageOf(err)})` };
  }
  let at = 0;
  /** The next BSON document, or undefined at a terminator; throws on a document cut short. */
  const next = (): Record<string, unknown> | undefined => {
    if (at + 4 > buf.length) throw new Error(`cut at byte ${at} of ${buf.length}, inside a length`);
    const length = buf.readInt32LE(at);
    if (length === TERMINATOR) {
      at += 4;
      return undefined;
    }
    if (length < 5 || at + length > buf.length)
      throw new Error(`a document at byte ${at} declares ${length} bytes, ${buf.length - at} remain`);
    const doc = BSON.deserialize(buf.subarray(at, at + length));
    at += length;
    return doc;
  };
  const ns = (doc: Record<string, unknown>) => `${String(doc.db)}.${String(doc.collection)}`;
  try {
    if (buf.length < 4 || buf.readUInt32LE(0) !== MAGIC)
      return { ...contents, problem: "it does not start with the mongodump archive magic number" };
    at = 4;
    if (!next()) return { ...contents, problem: "no archive header" };
    for (let meta = next(); meta; meta = next()) contents.namespaces.set(ns(meta), 0);
    while (at < buf.length) {
      const header = next();
      if (!header) continue;
      if (header.EOF === true) {
        if (next() !== undefined) throw new Error(`no terminator after the EOF of ${ns(header)}`);
        continue;
      }
      let documents = 0;
      while (next()) documents++;
      contents.namespaces.set(ns(header), (contents.namespaces.get(ns(header)) ?? 0) + documents);
    }
  } catch (err) {
    return { ...contents, problem: messageOf(err) };
  }
  return contents;
}

/** The collections of `db` in the archive, and their documents. */
export function collectionsOf(contents: ArchiveContents, db: string): { collections: number; documents: number } {
  const ofDb = [...contents.namespaces].filter(([name]) => name.startsWith(`${db}.`));
  return { collections: ofDb.length, documents: ofDb.reduce((n, [, d]) => n + d, 0) };
}
