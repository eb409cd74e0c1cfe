import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../../test/unit/support.ts";
import { CHUNKS_FIRST, DOCUMENTED_ORDER, copyInOrder, differentialCopy, type CopySource } from "../backup.ts";
import { differentialChunks, lastChunk, selectChunks } from "../chunk-set.ts";
import { CHUNK_VERSION, buildCompletedChunk, buildOngoingChunk, chunkFileName } from "../formats.ts";
import { inspectDatabase } from "../preflight.ts";
import { frame, header, payloads, soundBackup } from "./datadir.ts";

const run = promisify(execFile);
const RESTORE = { restoreWritesTruncate: true, targetChunkVersion: CHUNK_VERSION.transformed };
const CHUNK = 4096;
const c = chunkFileName;

/** The node's shell, here: the copy scripts run for real with sh on a built data directory. */
function localShell(dataDir: string, before?: (script: string) => Promise<void>): CopySource {
  return {
    version: { dataDir },
    sh: async (script: string) => {
      await before?.(script);
      return (await run("sh", ["-c", script])).stdout;
    },
  };
}

/** A fresh empty chunk, as the node creates when the previous one completes. */
async function freshChunk(dir: string, number: number): Promise<void> {
  await writeFile(
    join(dir, c(number, 0)),
    buildOngoingChunk({ header: header(number, CHUNK, CHUNK_VERSION.transformed), data: Buffer.alloc(0) }),
  );
}

const failedChecks = async (dir: string) =>
  (await inspectDatabase(dir, RESTORE)).filter((r) => r.valid !== true).map((r) => `${r.name}: ${r.summary}`);

describe("selectChunks: the chunk files a copy takes, given the writer checkpoint it already holds", () => {
  it("leaves out every chunk past the writer's chunk, any version", () => {
    const listing = [c(0, 0), c(1, 0), c(2, 0), c(3, 0), c(3, 1), "writer.chk"];
    expect(selectChunks(listing, 2 * CHUNK + 10, CHUNK)).toEqual({
      copy: [c(0, 0), c(1, 0), c(2, 0)],
      pastWriter: [c(3, 0), c(3, 1)],
      older: [],
    });
  });

  it("keeps the writer's chunk when the writer sits on its boundary, and the highest chunk-X.Y of each number", () => {
    const listing = [c(1, 0), c(0, 2), c(0, 0), c(0, 1), c(2, 0)];
    expect(selectChunks(listing, 2 * CHUNK, CHUNK)).toEqual({
      copy: [c(0, 2), c(1, 0), c(2, 0)],
      pastWriter: [],
      older: [c(0, 0), c(0, 1)],
    });
  });

  it("takes every chunk when the copy has no writer checkpoint yet (the chunks-first order)", () => {
    expect(selectChunks([c(0, 0), c(9, 0), "chunk-000001.000000.old", "x"], undefined, CHUNK).copy).toEqual([
      c(0, 0),
      c(9, 0),
    ]);
  });
});

describe("differentialChunks: the vendor's differential step on the backup's chunk files", () => {
  it("copies what the backup lacks, removes what the source no longer has, the .old last chunk included", () => {
    const backup = [c(0, 0), c(1, 0), c(2, 0), `${c(3, 0)}.old`];
    const selected = [c(0, 1), c(2, 0), c(3, 0), c(4, 0)];
    expect(differentialChunks(backup, selected)).toEqual({
      copy: [c(0, 1), c(3, 0), c(4, 0)],
      remove: [c(0, 0), c(1, 0), `${c(3, 0)}.old`],
    });
    expect(lastChunk([c(2, 0), c(10, 0), c(3, 1), "writer.chk"])).toBe(c(10, 0));
    expect(lastChunk(["writer.chk"])).toBeUndefined();
  });
});

describe("the simple full backup, run with sh on a data directory built from the formats", () => {
  async function dataDir() {
    const dir = await makeTempDir("esdb-data-");
    const log = await soundBackup(dir);
    await mkdir(join(dir, "index", "stream-existence"), { recursive: true });
    await writeFile(join(dir, "index", "stream-existence", "streamExistenceFilter.chk"), Buffer.alloc(8));
    return { dir, log };
  }
  const plan = { order: DOCUMENTED_ORDER, chunkSize: CHUNK };

  it("copies in the vendor's order: index checkpoints, index, *.chk, chunks; everything arrives", async () => {
    const { dir, log } = await dataDir();
    const dst = join(await makeTempDir("esdb-copy-"), "backup");
    let t = 0;
    const report = await copyInOrder(localShell(dir), dst, plan, () => ++t);
    expect(report.steps.map((s) => [s.step, s.at])).toEqual([
      ["index-checkpoints", 1],
      ["index", 2],
      ["checkpoints", 3],
      ["chunks", 4],
    ]);
    expect(report.chunks).toEqual(log.files);
    for (const f of [
      "writer.chk",
      "chaser.chk",
      "truncate.chk",
      "index/indexmap",
      "index/0b9f8a3e-ptable",
      "index/stream-existence/streamExistenceFilter.chk",
    ])
      expect(existsSync(join(dst, f)), f).toBe(true);
    expect(report.steps.flatMap((s) => s.vanished)).toEqual([]);
  });

  it("leaves out a chunk created after writer.chk was copied, so the restore that truncates is not refused", async () => {
    const { dir, log } = await dataDir();
    const next = Math.floor(log.writer / CHUNK) + 1;
    // The chunk appears between the checkpoints step and the chunks step, as under load.
    const plan2 = { ...plan, beforeStep: async (s: string) => (s === "chunks" ? freshChunk(dir, next) : undefined) };
    const dst = join(await makeTempDir("esdb-copy-"), "backup");
    const report = await copyInOrder(localShell(dir), dst, plan2, () => 0);
    expect(report.leftOut.pastWriter).toEqual([c(next, 0)]);
    expect(report.chunks).toEqual(log.files);
    expect(await failedChecks(dst)).toEqual([]);
  });

  it("runs the wrong order when asked, chunks first, and calls the hook before each step", async () => {
    const { dir } = await dataDir();
    const seen: string[] = [];
    const report = await copyInOrder(
      localShell(dir),
      join(await makeTempDir("esdb-copy-"), "b"),
      { order: CHUNKS_FIRST, chunkSize: CHUNK, beforeStep: async (s) => void seen.push(s) },
      () => 0,
    );
    expect(report.steps.map((s) => s.step)).toEqual([...CHUNKS_FIRST]);
    expect(seen).toEqual([...CHUNKS_FIRST]);
  });
});

describe("the vendor's full-and-differential backup, run with sh on data directories built from the formats", () => {
  const GUID = (d: string) => `${d.repeat(8)}-${d.repeat(4)}-${d.repeat(4)}-${d.repeat(4)}-${d.repeat(12)}`;

  async function source() {
    const dir = await makeTempDir("esdb-src-");
    const log = await soundBackup(dir, { records: 260 });
    await writeFile(join(dir, "index", GUID("1")), "ptable 1");
    await writeFile(join(dir, "index", `${GUID("1")}.bloomfilter`), "bloom 1");
    await mkdir(join(dir, "index", "stream-existence"), { recursive: true });
    await writeFile(join(dir, "index", "stream-existence", "streamExistenceFilter.dat"), "filter");
    return { dir, log };
  }

  /** The node went on: more records (the open chunk grew, new chunks), then a scavenge rewrote chunks 0-2. */
  async function goOnAndScavenge(dir: string) {
    for (const f of await readdir(dir)) if (f.startsWith("chunk-")) await rm(join(dir, f));
    const log = await soundBackup(dir, { records: 420 });
    for (const f of [c(0, 0), c(1, 0), c(2, 0)]) await rm(join(dir, f));
    const kept = Buffer.concat(payloads(4).map(frame));
    const scavenged = (n: number, end: number) =>
      buildCompletedChunk({
        header: header(n, CHUNK, CHUNK_VERSION.transformed, { chunkEndNumber: end, isScavenged: true }),
        data: kept,
        posMap: Buffer.alloc(4 * 12),
        logicalDataSize: (end - n + 1) * CHUNK,
      });
    await writeFile(join(dir, c(0, 1)), scavenged(0, 1));
    await writeFile(join(dir, c(2, 1)), scavenged(2, 2));
    // An index merge: PTable 1 replaced by PTable 2.
    await rm(join(dir, "index", GUID("1")));
    await rm(join(dir, "index", `${GUID("1")}.bloomfilter`));
    await writeFile(join(dir, "index", GUID("2")), "ptable 2");
    await writeFile(join(dir, "index", "indexmap"), (await readFile(join(dir, "index", "indexmap"))) + "\n");
    return log;
  }

  it("takes a full backup into an empty one, then copies only what changed and removes what the source dropped", async () => {
    const { dir, log: first } = await source();
    const dst = join(await makeTempDir("esdb-backup-"), "b");
    const full = await differentialCopy(localShell(dir), dst, CHUNK, () => 0);
    expect(full.chunks).toEqual(first.files);
    expect(full.removed).toEqual([]);
    expect(existsSync(join(dst, "truncate.chk")), "truncate.chk is the restore's to write").toBe(false);
    expect(await failedChecks(dst)).toEqual([]);

    const openChunk = first.files.at(-1)!;
    const second = await goOnAndScavenge(dir);
    const diff = await differentialCopy(localShell(dir), dst, CHUNK, () => 0);
    const newChunks = second.files.filter((f) => !first.files.includes(f));
    expect(diff.copied).toEqual([c(0, 1), c(2, 1), openChunk, ...newChunks].sort());
    expect(diff.removed).toEqual([c(0, 0), c(1, 0), c(2, 0), `${openChunk}.old`]);
    expect(diff.chunks).toEqual([c(0, 1), c(2, 1), ...second.files.filter((f) => f >= c(3, 0))]);
    expect((await readdir(join(dst, "index"))).sort()).toEqual([GUID("2"), "indexmap", "stream-existence"].sort());
    expect(await readFile(join(dst, "index", "indexmap"), "utf8")).toBe(
      await readFile(join(dir, "index", "indexmap"), "utf8"),
    );
    expect(await failedChecks(dst)).toEqual([]);
  });

  it("goes round the index loop again when the index map changed while the PTables were copied", async () => {
    const { dir } = await source();
    let merged = false;
    let rounds = 0;
    const shell = localShell(dir, async (script) => {
      if (script.includes("/index/indexmap") && script.startsWith("cp -p")) rounds++;
      if (script.startsWith("cmp -s") && !merged) {
        merged = true;
        await writeFile(join(dir, "index", "indexmap"), "merged meanwhile");
      }
    });
    const dst = join(await makeTempDir("esdb-backup-"), "b");
    await differentialCopy(shell, dst, CHUNK, () => 0);
    expect(rounds).toBe(2);
    expect(await readFile(join(dst, "index", "indexmap"), "utf8")).toBe("merged meanwhile");
  });

  it("leaves out a chunk created after writer.chk was copied", async () => {
    const { dir, log } = await source();
    const next = Math.floor(log.writer / CHUNK) + 1;
    const shell = localShell(dir, async (script) => {
      if (script.includes("proposal.chk")) await freshChunk(dir, next);
    });
    const dst = join(await makeTempDir("esdb-backup-"), "b");
    const report = await differentialCopy(shell, dst, CHUNK, () => 0);
    expect(report.leftOut.pastWriter).toEqual([c(next, 0)]);
    expect(await failedChecks(dst)).toEqual([]);
  });
});
