import { describe, expect, it } from "vitest";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sealOf, unsealed } from "../../harness/drill/seal.ts";
import { makeTempDir } from "./support.ts";

async function artifact(): Promise<string> {
  const dir = await makeTempDir();
  await mkdir(join(dir, "db", "trades"), { recursive: true });
  await writeFile(join(dir, "db", "trades", "_txn"), "0123456789");
  await writeFile(join(dir, "_meta"), "meta");
  return dir;
}

// File times move by the kernel's clock tick (a few ms): a change right after the seal waits one out.
const nextTick = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("artifact seal", () => {
  it("holds while the files are only read", async () => {
    const dir = await artifact();
    const seal = await sealOf(dir);
    await nextTick();
    await readFile(join(dir, "db", "trades", "_txn"));
    expect(await unsealed(dir, seal)).toEqual([]);
  });

  it("names a file rewritten in place with the same size, one added, one removed, one chmod-ed", async () => {
    const dir = await artifact();
    const seal = await sealOf(dir);
    await nextTick();
    await writeFile(join(dir, "db", "trades", "_txn"), "9876543210");
    await writeFile(join(dir, "_restore"), "");
    await rm(join(dir, "_meta"));
    expect((await unsealed(dir, seal)).sort()).toEqual(["_meta", "_restore", join("db", "trades", "_txn")]);
    const resealed = await sealOf(dir);
    await nextTick();
    await chmod(join(dir, "_restore"), 0o600);
    expect(await unsealed(dir, resealed)).toEqual(["_restore"]);
  });
});
