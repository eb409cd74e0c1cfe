import { describe, expect, it } from "vitest";
import {
  CHUNK_VERSION,
  FormatError,
  buildCompletedChunk,
  buildOngoingChunk,
  chunkFileName,
  chunkMd5,
  decodeCheckpoint,
  encodeCheckpoint,
  formatChunkFooter,
  formatChunkHeader,
  formatIndexMap,
  parseIndexMap,
  parseChunkFileName,
  parseChunkFooter,
  parseChunkHeader,
} from "../formats.ts";
import { recordsEnd } from "../preflight.ts";
import { frame, header } from "./datadir.ts";

describe("EventStoreDB chunk header (ChunkHeader.cs)", () => {
  it("writes a 22.10/23.10 (version 3) header with the version in byte 1 and nothing at byte 34", () => {
    const h = header(7, 4096, CHUNK_VERSION.aligned, {
      chunkEndNumber: 9,
      isScavenged: true,
      chunkId: "00112233445566778899aabbccddeeff",
    });
    const buf = formatChunkHeader(h);
    expect(buf.length).toBe(128);
    expect(buf.subarray(0, 34).toString("hex")).toBe(
      "02" + "03" + "00100000" + "07000000" + "09000000" + "01000000" + "00112233445566778899aabbccddeeff",
    );
    expect(buf.subarray(34).every((b) => b === 0)).toBe(true);
    expect(parseChunkHeader(buf)).toEqual(h);
  });

  it("writes a 24.x/KurrentDB (version 4) header: minimum compatible 3 in byte 1, version 4 and the transform in bytes 34-35", () => {
    const h = header(0, 4096, CHUNK_VERSION.transformed);
    const buf = formatChunkHeader(h);
    expect([buf[1], buf[34], buf[35]]).toEqual([3, 4, 0]);
    expect(parseChunkHeader(buf)).toEqual(h);
  });

  it("refuses what is not a chunk header", () => {
    const buf = formatChunkHeader(header(0, 4096, 3));
    expect(() => parseChunkHeader(Buffer.concat([Buffer.from([1]), buf.subarray(1)]))).toThrow(
      /file type byte is 1, expected 2/,
    );
    const range = formatChunkHeader(header(5, 4096, 3));
    range.writeInt32LE(2, 10);
    expect(() => parseChunkHeader(range)).toThrow(FormatError);
    expect(() => parseChunkHeader(buf.subarray(0, 100))).toThrow(/too short/);
  });
});

describe("EventStoreDB chunk footer (ChunkFooter.cs) and completed chunks (TFChunk.cs)", () => {
  const FOOTER = {
    isCompleted: true,
    isMap12Bytes: true,
    physicalDataSize: 1000,
    logicalDataSize: 5000,
    mapSize: 24,
    md5: "ff".repeat(16),
  };

  it("round-trips a footer with a 12-byte map and keeps the MD5 in the last 16 bytes", () => {
    const buf = formatChunkFooter(FOOTER);
    expect(buf[0]).toBe(3);
    expect(buf.readBigInt64LE(5)).toBe(5000n);
    expect(buf.subarray(112).toString("hex")).toBe("ff".repeat(16));
    expect(parseChunkFooter(buf)).toEqual(FOOTER);
  });

  it("refuses a footer whose map size is not a whole number of entries, or whose sizes disagree", () => {
    expect(() =>
      parseChunkFooter(formatChunkFooter({ ...FOOTER, physicalDataSize: 10, logicalDataSize: 10, mapSize: 13 })),
    ).toThrow(/not a multiple/);
    expect(() =>
      parseChunkFooter(formatChunkFooter({ ...FOOTER, physicalDataSize: 10, logicalDataSize: 5, mapSize: 0 })),
    ).toThrow(/disagree/);
  });

  it("pads a completed version ≥ 3 chunk to 4096 bytes, not a version 2 one, and stores the MD5 of all but the hash", () => {
    const data = Buffer.concat([frame(Buffer.from("a")), frame(Buffer.from("bcd"))]);
    const aligned = buildCompletedChunk({ header: header(0, 4096, 3), data });
    expect(aligned.length).toBe(4096);
    const unaligned = buildCompletedChunk({ header: header(0, 4096, 2), data });
    expect(unaligned.length).toBe(128 + data.length + 128);
    for (const file of [aligned, unaligned]) {
      const footer = parseChunkFooter(file.subarray(file.length - 128));
      expect(footer).toMatchObject({ isCompleted: true, physicalDataSize: data.length, mapSize: 0 });
      expect(footer.md5).toBe(chunkMd5(file));
    }
  });

  it("preallocates an open chunk to align(ChunkSize + 256) with a zero footer", () => {
    const file = buildOngoingChunk({ header: header(3, 10_000, 4), data: frame(Buffer.from("x")) });
    expect(file.length).toBe(12_288);
    expect(parseChunkFooter(file.subarray(file.length - 128)).isCompleted).toBe(false);
  });

  it("walks framed records to the last whole one", () => {
    const data = Buffer.concat([frame(Buffer.from("one")), frame(Buffer.from("three")), Buffer.alloc(20)]);
    expect(recordsEnd(data)).toBe(11 + 13);
    expect(recordsEnd(data, 20)).toBe(11);
    const torn = Buffer.from(data);
    torn.writeInt32LE(99, 11 + 4 + 5);
    expect(recordsEnd(torn)).toBe(11);
  });
});

describe("EventStoreDB checkpoints and chunk names", () => {
  it("stores a checkpoint as 8 bytes little-endian, -1 as all ones", () => {
    expect(encodeCheckpoint(-1).toString("hex")).toBe("ffffffffffffffff");
    expect(encodeCheckpoint(0x0102).toString("hex")).toBe("0201000000000000");
    expect(decodeCheckpoint(encodeCheckpoint(268_435_456 * 3 + 17))).toBe(268_435_456 * 3 + 17);
    expect(() => decodeCheckpoint(Buffer.alloc(7))).toThrow(/8 bytes, this one 7/);
  });

  it("names chunks chunk-XXXXXX.YYYYYY and parses nothing else", () => {
    expect(chunkFileName(12, 3)).toBe("chunk-000012.000003");
    expect(parseChunkFileName("chunk-000012.000003")).toEqual({ number: 12, version: 3 });
    for (const other of ["chunk-12.3", "chunk-000012.000003.tmp", "writer.chk", "chunk-000012"])
      expect(parseChunkFileName(other)).toBeUndefined();
  });
});

describe("EventStoreDB indexmap (IndexMap.cs)", () => {
  it("writes the MD5 of everything after the hash, the version, prepare/commit, the merge level and one line per PTable", () => {
    const file = formatIndexMap({
      version: 2,
      prepareCheckpoint: 4096,
      commitCheckpoint: 4000,
      maxAutoMergeLevel: 7,
      ptables: ["a-ptable", "b-ptable"],
    });
    const text = file.toString("utf8");
    expect(text.slice(32)).toBe("\n2\n4096/4000\n7\n0,0,a-ptable\n0,1,b-ptable\n");
    expect(text.slice(0, 32)).toMatch(/^[0-9A-F]{32}$/);
    expect(parseIndexMap(file)).toEqual({
      version: 2,
      prepareCheckpoint: 4096,
      commitCheckpoint: 4000,
      ptables: ["a-ptable", "b-ptable"],
      hashMatches: true,
    });
    file[40] = file[40]! ^ 1;
    expect(parseIndexMap(file).hashMatches).toBe(false);
    expect(() => parseIndexMap(Buffer.from("not a hash\n2\n"))).toThrow(/hash line/);
  });
});
