import { describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { BSON } from "mongodb";
import { collectionsOf, readMongoArchive } from "../chat-archive.ts";
import { ExoEngine, PART_PATHS, chatArchiveCheck, restoredDocuments, type ExoArtifact } from "../engine.ts";
import { CODEC_FILE } from "../layout.ts";
import { makeTempDir } from "../../../test/unit/support.ts";

/**
 * Defect 10 (eXo): a chat archive of a hundred bytes that held no chat database passed as "all 6 parts present" and
 * its restore as "chat: restored". What the archive holds is read before the restore, and what mongorestore restored
 * is counted after it.
 */

const TERMINATOR = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const doc = (o: Record<string, unknown>) => Buffer.from(BSON.serialize(o));

/** A `mongodump --archive --gzip` as mongo-tools writes it (common/archive/spec.md): documents per collection. */
function archive(collections: Record<string, Record<string, unknown>[]>): Buffer {
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(0x8199e26d);
  const header = doc({ concurrent_collections: 4, version: "0.1", server_version: "7.0.42", tool_version: "100.6.1" });
  const names = Object.keys(collections).map((ns) => ({
    db: ns.split(".")[0]!,
    collection: ns.slice(ns.indexOf(".") + 1),
  }));
  const prelude = names.map((n) => doc({ ...n, metadata: "{}", size: 0 }));
  const segments = names.flatMap((n) => {
    const docs = collections[`${n.db}.${n.collection}`]!;
    return [
      ...(docs.length ? [doc({ ...n, EOF: false, CRC: 0n }), ...docs.map(doc), TERMINATOR] : []),
      doc({ ...n, EOF: true, CRC: 0n }),
      TERMINATOR,
    ];
  });
  return gzipSync(Buffer.concat([magic, header, ...prelude, TERMINATOR, ...segments]));
}

const chat = archive({
  "exochat.room_general": [{ _id: "r1" }, { _id: "r2" }],
  "exochat.messages_room_general": [{ _id: "m1" }, { _id: "m2" }, { _id: "m3" }],
});

describe("exo: what a chat archive holds", () => {
  it("reads the collections and counts their documents", () => {
    const contents = readMongoArchive(chat);
    expect(contents.problem).toBeUndefined();
    expect(Object.fromEntries(contents.namespaces)).toEqual({
      "exochat.room_general": 2,
      "exochat.messages_room_general": 3,
    });
    expect(collectionsOf(contents, "exochat")).toEqual({ collections: 2, documents: 5 });
    expect(chatArchiveCheck(contents)).toMatchObject({
      valid: true,
      summary: `mongo/exochat.archive (${chat.length} bytes) holds 2 exochat collection(s), 5 document(s)`,
    });
  });

  it("an archive with no chat collection fails, however present the file is", () => {
    const empty = archive({});
    expect(empty.length).toBeLessThan(200);
    expect(chatArchiveCheck(readMongoArchive(empty))).toMatchObject({
      valid: false,
      summary: `mongo/exochat.archive (${empty.length} bytes) holds no exochat collection: chat would be restored empty`,
    });
    const other = readMongoArchive(archive({ "test.things": [{ _id: 1 }] }));
    expect(chatArchiveCheck(other).summary).toMatch(/holds no exochat collection \(only test\.things\)/);
  });

  it("a cut or foreign file says why it cannot be read", () => {
    const raw = gunzipSync(chat);
    expect(readMongoArchive(gzipSync(raw.subarray(0, raw.length - 30))).problem).toMatch(
      /declares \d+ bytes, \d+ remain|inside a length/,
    );
    expect(readMongoArchive(chat.subarray(0, chat.length - 10)).problem).toMatch(/^not a whole gzip stream/);
    expect(readMongoArchive(gzipSync(Buffer.from("not an archive"))).problem).toBe(
      "it does not start with the mongodump archive magic number",
    );
  });

  it("mongorestore's count is read from its output", () => {
    expect(
      restoredDocuments(
        "2025-01-01T00:00:00.000+0000\t665 document(s) restored successfully. 0 document(s) failed to restore.\n",
      ),
    ).toBe("665 document(s) restored successfully. 0 document(s) failed to restore.");
    expect(restoredDocuments("done\n")).toBeUndefined();
  });
});

describe("exo: the preflight reads the chat archive", () => {
  async function artifactWith(chatArchive: Buffer): Promise<ExoArtifact> {
    const dir = await makeTempDir();
    const files: Record<string, Buffer | string> = {
      [PART_PATHS.jcr]: "dump",
      [PART_PATHS.idm]: "dump",
      [PART_PATHS.jpa]: "dump",
      [PART_PATHS.chat]: chatArchive,
      [join(PART_PATHS.codec, CODEC_FILE)]: "key",
      [join(PART_PATHS.data, "files", "f")]: "x",
    };
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), content);
    }
    return { dir, method: "procedure", tool: "", finishedAt: 0, version: "7.0", parts: [] };
  }

  it("all parts present, and still a failed check when the chat archive holds no chat database", async () => {
    const checks = await new ExoEngine("7.0").preflight(await artifactWith(archive({})));
    expect(checks.map((c) => [c.name, c.valid])).toEqual([
      ["preflight:parts", true],
      ["preflight:chat-archive", false],
    ]);
    const sound = await new ExoEngine("7.0").preflight(await artifactWith(chat));
    expect(sound.map((c) => [c.name, c.valid])).toEqual([
      ["preflight:parts", true],
      ["preflight:chat-archive", true],
    ]);
  });
});
