import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { damagedCopy, type DamageTargets } from "../../harness/verify/damage.ts";
import { makeTempDir } from "./support.ts";

/** An artifact of two files: a large one the default damages, a small one an engine aims at. */
async function artifact(): Promise<string> {
  const dir = await makeTempDir();
  await mkdir(join(dir, "data"));
  await writeFile(join(dir, "data", "big.bin"), Buffer.alloc(1000, 7));
  await writeFile(join(dir, "rows.d"), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  return dir;
}

const aimAtRows: DamageTargets = async (_dir, damage) =>
  damage === "remove" ? undefined : { file: "rows.d", offset: 5, keepBytes: 3, why: "the used rows" };

describe("damagedCopy: a damage where the engine aims it, on a copy", () => {
  it("flips the aimed byte, cuts the aimed file to the bytes kept, and says where and why; the original is untouched", async () => {
    const dir = await artifact();
    const flipped = await damagedCopy(dir, "flip-byte", aimAtRows);
    expect([...(await readFile(join(flipped.dir, "rows.d")))]).toEqual([1, 2, 3, 4, 5, 6 ^ 0xff, 7, 8]);
    expect(flipped.what).toBe("flip-byte rows.d at 5 (06 → f9): the used rows");
    const cut = await damagedCopy(dir, "truncate", aimAtRows);
    expect([...(await readFile(join(cut.dir, "rows.d")))]).toEqual([1, 2, 3]);
    expect(cut.what).toBe("truncate rows.d 8 → 3 bytes: the used rows");
    expect([...(await readFile(join(dir, "rows.d")))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("without an aim (or where the aim leaves it), damages the largest file: byte 100, cut to 64 bytes, removed", async () => {
    const dir = await artifact();
    const flipped = await damagedCopy(dir, "flip-byte");
    expect((await readFile(join(flipped.dir, "data", "big.bin")))[100]).toBe(7 ^ 0xff);
    const cut = await damagedCopy(dir, "truncate");
    expect((await readFile(join(cut.dir, "data", "big.bin"))).length).toBe(64);
    const removed = await damagedCopy(dir, "remove", aimAtRows);
    expect(existsSync(join(removed.dir, "data", "big.bin"))).toBe(false);
    expect(removed.what).toBe("remove data/big.bin: the largest file (1000 bytes)");
  });
});
