import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { deleteFile, dropDirectory, flipBytes, substituteOlderBackup, truncateFile } from "../../harness/faults.ts";
import { versionColumnOffset } from "../../engines/postgres/faults.ts";
import { makeTempDir, writeTree } from "./support.ts";

/** An artifact directory inside a parent, so "../x" points at a real file outside it. */
async function artifact(files: Record<string, string | Buffer>): Promise<{ dir: string; outside: string }> {
  const parent = await makeTempDir();
  const dir = join(parent, "artifact");
  await writeTree(dir, files);
  await mkdir(dir, { recursive: true });
  const outside = join(parent, "x");
  await writeFile(outside, "outside");
  return { dir, outside };
}

describe("artifact fault primitives", () => {
  it("deleteFile removes the file and records its size", async () => {
    const { dir } = await artifact({ "pg_wal/000000010000000000000002": "0123456789", "keep.txt": "k" });
    const record = await deleteFile(dir, "pg_wal/000000010000000000000002");
    expect(record).toEqual({ fault: "delete-file", target: "pg_wal/000000010000000000000002", detail: { size: 10 } });
    expect(existsSync(join(dir, "pg_wal/000000010000000000000002"))).toBe(false);
    expect(existsSync(join(dir, "keep.txt"))).toBe(true);
  });

  it("flipBytes XORs the bytes in place and records them before and after", async () => {
    const { dir } = await artifact({ data: Buffer.from([0x00, 0x11, 0x22, 0x33]) });
    const record = await flipBytes(dir, "data", 1, 2, 0xff);
    expect(record).toEqual({
      fault: "flip-bytes",
      target: "data",
      detail: { offset: 1, count: 2, before: "1122", after: "eedd" },
    });
    expect([...(await readFile(join(dir, "data")))]).toEqual([0x00, 0xee, 0xdd, 0x33]);
  });

  it("flipBytes refuses an out-of-range offset and leaves the file alone", async () => {
    const { dir } = await artifact({ data: Buffer.from([1, 2, 3, 4]) });
    await expect(flipBytes(dir, "data", 3, 2)).rejects.toThrow(/file has 4 bytes/);
    await expect(flipBytes(dir, "data", -1)).rejects.toThrow(/cannot flip/);
    expect([...(await readFile(join(dir, "data")))]).toEqual([1, 2, 3, 4]);
  });

  it("truncateFile cuts the file to the kept fraction", async () => {
    const { dir } = await artifact({ "dump.pgdump": Buffer.alloc(101, 7) });
    const record = await truncateFile(dir, "dump.pgdump", 0.5);
    expect(record.detail).toEqual({ size: 101, newSize: 50 });
    expect((await stat(join(dir, "dump.pgdump"))).size).toBe(50);
  });

  it("truncateFile refuses a fraction outside [0, 1)", async () => {
    const { dir } = await artifact({ f: "abcd" });
    for (const bad of [1, 1.5, -0.1, Number.NaN])
      await expect(truncateFile(dir, "f", bad)).rejects.toThrow(/keepFraction/);
    expect((await stat(join(dir, "f"))).size).toBe(4);
  });

  it("dropDirectory removes the directory and counts the files it held", async () => {
    const { dir } = await artifact({
      "base/1/100": "a",
      "base/1/101": "b",
      "base/2/200": "c",
      "global/pg_control": "g",
    });
    const record = await dropDirectory(dir, "base");
    expect(record).toEqual({ fault: "drop-directory", target: "base", detail: { files: 3 } });
    expect(await readdir(dir)).toEqual(["global"]);
  });

  it("substituteOlderBackup replaces the whole content with the older backup's", async () => {
    const { dir } = await artifact({ "a.txt": "new", "sub/b.txt": "new" });
    const older = (await artifact({ "a.txt": "old", "c.txt": "old" })).dir;
    const record = await substituteOlderBackup(dir, older);
    expect(record).toEqual({ fault: "substitute-older-backup", target: ".", detail: { from: older, files: 2 } });
    expect((await readdir(dir)).sort()).toEqual(["a.txt", "c.txt"]);
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("old");
  });

  it("refuses a target that escapes the artifact directory", async () => {
    const { dir, outside } = await artifact({ "sub/f": "f" });
    await expect(deleteFile(dir, "../x")).rejects.toThrow(/escapes the artifact directory/);
    await expect(flipBytes(dir, "../x", 0)).rejects.toThrow(/escapes/);
    await expect(truncateFile(dir, "sub/../../x", 0.5)).rejects.toThrow(/escapes/);
    await expect(dropDirectory(dir, "..")).rejects.toThrow(/escapes/);
    expect(await readFile(outside, "utf8")).toBe("outside");
  });

  // A name that merely starts with ".." is still inside the artifact; only a path that leaves it is refused.
  it("accepts a file inside the artifact whose name starts with two dots", async () => {
    const { dir } = await artifact({ "..partial": "abc" });
    await expect(deleteFile(dir, "..partial")).resolves.toMatchObject({ detail: { size: 3 } });
  });
});

const LP_UNUSED = 0;
const LP_NORMAL = 1;
const LP_DEAD = 3;

/** An 8 KiB heap page with the given line pointers; each LP_NORMAL tuple's header gets `tHoff` at tuple offset 22. */
function heapPage(items: { off: number; flags: number; len: number; tHoff?: number }[]): Buffer {
  const page = Buffer.alloc(8192);
  page.writeUInt16LE(24 + 4 * items.length, 12); // pd_lower: end of the line pointer array
  items.forEach(({ off, flags, len, tHoff }, i) => {
    page.writeUInt32LE((off | (flags << 15) | (len << 17)) >>> 0, 24 + 4 * i);
    if (tHoff !== undefined) page.writeUInt8(tHoff, off + 22);
  });
  return page;
}

async function pageFile(page: Buffer): Promise<string> {
  const path = join(await makeTempDir(), "16384");
  await writeFile(path, page);
  return path;
}

describe("versionColumnOffset", () => {
  it("returns lp_off + t_hoff + 8 for the first live tuple", async () => {
    const file = await pageFile(heapPage([{ off: 8000, flags: LP_NORMAL, len: 40, tHoff: 24 }]));
    expect(await versionColumnOffset(file)).toBe(8000 + 24 + 8);
  });

  it("skips unused and dead line pointers", async () => {
    const file = await pageFile(
      heapPage([
        { off: 0, flags: LP_UNUSED, len: 0 },
        { off: 8100, flags: LP_DEAD, len: 40, tHoff: 32 },
        { off: 7900, flags: LP_NORMAL, len: 48, tHoff: 32 },
      ]),
    );
    expect(await versionColumnOffset(file)).toBe(7900 + 32 + 8);
  });

  it("throws when the page holds no LP_NORMAL item", async () => {
    const file = await pageFile(
      heapPage([
        { off: 8100, flags: LP_DEAD, len: 40 },
        { off: 0, flags: LP_UNUSED, len: 0 },
      ]),
    );
    await expect(versionColumnOffset(file)).rejects.toThrow(/no live tuple/);
  });
});
