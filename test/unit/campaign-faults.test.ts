import { describe, expect, it } from "vitest";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  applyFault,
  directoriesOf,
  drawFault,
  faultOffset,
  pickBySize,
  type CampaignFile,
} from "../../harness/campaign/random-faults.ts";
import { prng } from "../../harness/prng.ts";
import { makeTempDir } from "./support.ts";

const FILES: CampaignFile[] = [
  { path: "base/1/1259", bytes: 8192, sha256: "a" },
  { path: "base/1/2608", bytes: 16384, sha256: "b" },
  { path: "global/pg_control", bytes: 8192, sha256: "c" },
  { path: "pg_wal/000000010000000000000002", bytes: 16 * 1024 * 1024, sha256: "d" },
  { path: "backup_label", bytes: 200, sha256: "e" },
  { path: "empty", bytes: 0, sha256: "f" },
];

async function artifact(): Promise<string> {
  const dir = await makeTempDir();
  await mkdir(join(dir, "sub/deeper"), { recursive: true });
  await writeFile(join(dir, "data"), Buffer.alloc(20_000, 0xab));
  await writeFile(join(dir, "zeros"), Buffer.alloc(10_000));
  await writeFile(join(dir, "sub/one"), "one");
  await writeFile(join(dir, "sub/deeper/two"), "two");
  return dir;
}

describe("campaign: random faults", () => {
  it("the same seed and index draw the same fault; another index or seed draws others", () => {
    const a = Array.from({ length: 30 }, (_, i) => drawFault(42, i + 1, FILES, FILES));
    const b = Array.from({ length: 30 }, (_, i) => drawFault(42, i + 1, FILES, FILES));
    expect(a).toEqual(b);
    expect(new Set(a.map((f) => JSON.stringify({ ...f, index: 0, seed: 0 }))).size).toBeGreaterThan(20);
    expect(drawFault(43, 1, FILES)).not.toEqual(drawFault(42, 1, FILES));
    expect(new Set(a.map((f) => f.seed)).size).toBe(30);
  });

  it("draws every kind over a campaign, and never a kind that has nothing to act on", () => {
    const kinds = new Set(Array.from({ length: 200 }, (_, i) => drawFault(7, i + 1, FILES, FILES).kind));
    expect([...kinds].sort()).toEqual([
      "delete-directory",
      "delete-file",
      "flip-bytes",
      "older-file",
      "truncate",
      "zero-block",
    ]);
    const flat = [{ path: "only", bytes: 10 }];
    const flatKinds = new Set(Array.from({ length: 100 }, (_, i) => drawFault(7, i + 1, flat).kind));
    expect(flatKinds.has("delete-directory") || flatKinds.has("older-file")).toBe(false);
  });

  it("byte-level damage lands in files in proportion to their size, never in an empty file", () => {
    const rand = prng(1);
    const files = [
      { path: "small", bytes: 1000 },
      { path: "big", bytes: 9000 },
      { path: "empty", bytes: 0 },
    ];
    const hits = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const f = pickBySize(rand, files).path;
      hits.set(f, (hits.get(f) ?? 0) + 1);
    }
    expect(hits.get("empty")).toBeUndefined();
    expect(hits.get("big")! / 20_000).toBeCloseTo(0.9, 1);
    const byteFaults = Array.from({ length: 300 }, (_, i) => drawFault(3, i + 1, FILES)).filter(
      (f) => f.kind === "flip-bytes" || f.kind === "truncate" || f.kind === "zero-block",
    );
    const wal = byteFaults.filter((f) => f.target.startsWith("pg_wal/")).length;
    expect(wal / byteFaults.length).toBeGreaterThan(0.95);
  });

  it("offsets, blocks and sizes fall inside the chosen file", () => {
    for (let i = 1; i <= 300; i++) {
      const f = drawFault(9, i, FILES, FILES);
      const size = FILES.find((x) => x.path === f.target)?.bytes ?? 0;
      if (f.kind === "flip-bytes") for (const x of f.flips) expect(x.offset).toBeLessThan(size);
      if (f.kind === "zero-block")
        expect([f.offset % f.length, f.offset < Math.max(size, f.length)]).toEqual([0, true]);
      if (f.kind === "truncate") expect(f.size).toBeLessThan(size);
      if (f.kind === "delete-directory") expect(directoriesOf(FILES)).toContain(f.target);
    }
  });

  it("applies each kind to a directory as drawn", async () => {
    const dir = await artifact();
    const flip = await applyFault(
      { index: 1, seed: 1, kind: "flip-bytes", target: "data", flips: [{ offset: 5, mask: 0x0f }] },
      dir,
    );
    expect((await readFile(join(dir, "data")))[5]).toBe(0xab ^ 0x0f);
    expect(flip.detail).toEqual({ flips: [{ offset: 5, count: 1, before: "ab", after: "a4" }] });
    const zero = await applyFault(
      { index: 1, seed: 1, kind: "zero-block", target: "data", offset: 8192, length: 8192 },
      dir,
    );
    const data = await readFile(join(dir, "data"));
    expect([data[8191], data[8192], data[16383], data[16384]]).toEqual([0xab, 0, 0, 0xab]);
    expect(zero.detail).toMatchObject({ wasZero: false, length: 8192 });
    expect(
      (await applyFault({ index: 1, seed: 1, kind: "zero-block", target: "zeros", offset: 8192, length: 4096 }, dir))
        .detail,
    ).toMatchObject({ wasZero: true, length: 10_000 - 8192 });
    await applyFault({ index: 1, seed: 1, kind: "truncate", target: "data", size: 123 }, dir);
    expect((await stat(join(dir, "data"))).size).toBe(123);
    await applyFault({ index: 1, seed: 1, kind: "delete-file", target: "sub/one" }, dir);
    expect(existsSync(join(dir, "sub/one"))).toBe(false);
    await applyFault({ index: 1, seed: 1, kind: "delete-directory", target: "sub" }, dir);
    expect(existsSync(join(dir, "sub"))).toBe(false);
    const older = await artifact();
    await writeFile(join(older, "zeros"), "older content");
    expect((await applyFault({ index: 1, seed: 1, kind: "older-file", target: "zeros" }, dir, older)).detail).toEqual({
      size: 10_000,
      olderSize: 13,
      identical: false,
    });
    expect(await readFile(join(dir, "zeros"), "utf8")).toBe("older content");
    expect(
      (await applyFault({ index: 1, seed: 1, kind: "older-file", target: "zeros" }, dir, older)).detail,
    ).toMatchObject({ identical: true });
  });

  it("refuses a fault that does not fit the backup (a replay on other files) instead of doing something else", async () => {
    const dir = await artifact();
    await expect(applyFault({ index: 1, seed: 1, kind: "truncate", target: "sub/one", size: 50 }, dir)).rejects.toThrow(
      /cannot truncate/,
    );
    await expect(applyFault({ index: 1, seed: 1, kind: "delete-file", target: "missing" }, dir)).rejects.toThrow(
      /ENOENT/,
    );
    await expect(applyFault({ index: 1, seed: 1, kind: "delete-file", target: "../outside" }, dir)).rejects.toThrow(
      /escapes/,
    );
    await expect(applyFault({ index: 1, seed: 1, kind: "older-file", target: "data" }, dir)).rejects.toThrow(
      /no older backup/,
    );
  });
});

describe("where a fault's damage starts, for the engines' file kinds", () => {
  it("the lowest flipped offset, the zeroed block, the truncation point; nothing for whole files and directories", () => {
    const base = { index: 1, seed: 1, target: "f" };
    expect(
      faultOffset({
        ...base,
        kind: "flip-bytes",
        flips: [
          { offset: 90, mask: 1 },
          { offset: 12, mask: 2 },
        ],
      }),
    ).toBe(12);
    expect(faultOffset({ ...base, kind: "zero-block", offset: 8192, length: 4096 })).toBe(8192);
    expect(faultOffset({ ...base, kind: "truncate", size: 77 })).toBe(77);
    for (const kind of ["delete-file", "delete-directory", "older-file"] as const)
      expect(faultOffset({ ...base, kind })).toBeUndefined();
  });
});
