import { describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { jarLock, lockMismatches, neo4jImageSpec, parseJarLock } from "../versions.ts";
import { adminFailure, coldCopyPreflight, dumpPreflight } from "../preflight.ts";
import { RECOVERY_LINE, recoveryRuns, upSummary } from "../recovery.ts";
import { flipBytes, truncateFile } from "../../../harness/faults.ts";
import { makeTempDir } from "../../../test/unit/support.ts";
import { neo4jFileKind } from "../deep-verify.ts";
import { failedStatus } from "../database-status.ts";
import { neo4jDamageTargets } from "../damage-targets.ts";

const sha1 = (b: Buffer) => createHash("sha1").update(b).digest("hex");

describe("neo4j offline image inputs", () => {
  it("pins every jar of org.neo4j:neo4j 5.26.28 with Maven Central's sha1", () => {
    const lock = jarLock("5.26.28");
    expect(lock).toHaveLength(214);
    expect(lock.map((j) => j.path)).toContain("org/neo4j/neo4j/5.26.28/neo4j-5.26.28.jar");
    expect(new Set(lock.map((j) => j.path.split("/").at(-1))).size).toBe(214); // flat lib/ names never collide
  });

  it("refuses a malformed lock line, and finds missing and altered jars", async () => {
    expect(() => parseJarLock("abc  x.jar\n")).toThrow(/jar lock line 1/);
    const dir = await makeTempDir();
    const good = Buffer.from("good jar");
    await mkdir(join(dir, "a/b"), { recursive: true });
    await writeFile(join(dir, "a/b/good.jar"), good);
    await writeFile(join(dir, "a/b/bad.jar"), "tampered");
    const lock = parseJarLock(
      `${sha1(good)}  a/b/good.jar\n${sha1(Buffer.from("original"))}  a/b/bad.jar\n${sha1(good)}  a/b/gone.jar\n`,
    );
    expect(lockMismatches(dir, lock)).toEqual([
      expect.stringMatching(/^a\/b\/bad.jar: sha1 [0-9a-f]{40}, pinned/),
      "a/b/gone.jar: missing",
    ]);
  });

  it("names the official image by default and fails early on an unknown version", () => {
    expect(neo4jImageSpec("5.26.28")).toMatchObject({
      engine: "neo4j",
      official: "neo4j:5.26.28-community",
      offline: { debianSuite: "bookworm" },
    });
    expect(() => neo4jImageSpec("4.4.0")).toThrow(/unknown Neo4j version "4.4.0"; known versions: 5.26.28/);
  });
});

describe("neo4j backup preflight", () => {
  async function dumpDir(bytes: Buffer): Promise<string> {
    const dir = await makeTempDir();
    await writeFile(join(dir, "neo4j.dump"), bytes);
    return dir;
  }

  it("accepts the zstd and gzip dump formats and refuses a flipped header byte", async () => {
    const dir = await dumpDir(Buffer.concat([Buffer.from("DZV1"), Buffer.alloc(100, 7)]));
    expect(await dumpPreflight(dir)).toMatchObject({ valid: true, summary: "neo4j.dump: 104 bytes, format DZV1" });
    expect((await dumpPreflight(await dumpDir(Buffer.from("DGV1xxxx")))).valid).toBe(true);
    await flipBytes(dir, "neo4j.dump", 1, 1, 0x20);
    expect(await dumpPreflight(dir)).toMatchObject({
      valid: false,
      summary: 'neo4j.dump starts with "DzV1", not a Neo4j dump format (DZV1, DGV1)',
    });
  });

  it("a truncated dump keeps its header: only neo4j-admin can tell, so the preflight does not claim it", async () => {
    const dir = await dumpDir(Buffer.concat([Buffer.from("DZV1"), Buffer.alloc(1000, 1)]));
    await truncateFile(dir, "neo4j.dump", 0.5);
    expect((await dumpPreflight(dir)).valid).toBe(true);
    expect((await dumpPreflight(await makeTempDir())).summary).toMatch(/neo4j.dump missing/);
  });

  it("a cold copy needs the neo4j store, its transaction logs and the system database", async () => {
    const dir = await makeTempDir();
    for (const rel of [
      "databases/neo4j/neostore",
      "transactions/neo4j/neostore.transaction.db.0",
      "databases/system/neostore",
    ]) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), "x");
    }
    expect((await coldCopyPreflight(dir)).valid).toBe(true);
    const partial = await makeTempDir();
    await mkdir(join(partial, "databases/neo4j"), { recursive: true });
    expect(await coldCopyPreflight(partial)).toMatchObject({
      valid: false,
      summary: "missing from the copy: transactions/neo4j, databases/system",
    });
  });

  it("finds the line of neo4j-admin's output that says why", () => {
    const out =
      "Selecting JVM\n2026-11-23 INFO starting\nFailed to load database 'neo4j': Unable to load database: ZstdIOException: Truncated source\nRun with '--verbose'";
    expect(adminFailure(out)).toBe(
      "Failed to load database 'neo4j': Unable to load database: ZstdIOException: Truncated source",
    );
    expect(adminFailure("")).toBe("(no output)");
  });
});

describe("neo4j: a restore says when the server ran crash recovery (defect 10)", () => {
  /** debug.log of Neo4j 5.26.28 started again after a kill with 52 transactions past its last checkpoint (grep "Recovery"). */
  const debugLog = [
    "2026-12-07 18:20:35.699+0000 INFO  [o.n.k.d.Database] [system/00000000] Recovery required from position LogPosition{logVersion=0, byteOffset=3238}",
    "2026-12-07 18:20:36.370+0000 INFO  [o.n.k.d.Database] [system/00000000] Recovery in 'full' mode completed. Observed transactions range [first:4, last:41]: 38 transactions applied, 0 not completed transactions rolled back, skipped applying 0 previously rolled back transactions. Time spent: 807ms.",
    '2026-12-07 18:20:36.739+0000 INFO  [o.n.k.i.t.l.c.CheckPointerImpl] [system/00000000] Checkpoint triggered by "Recovery completed." @ txId: 41, append index: 41 checkpoint started...',
    "2026-12-07 18:20:39.818+0000 INFO  [o.n.k.d.Database] [neo4j/252de5a5] Recovery required from position LogPosition{logVersion=0, byteOffset=3238}",
    "2026-12-07 18:20:39.906+0000 INFO  [o.n.k.d.Database] [neo4j/252de5a5] Recovery in 'full' mode completed. Observed transactions range [first:4, last:55]: 52 transactions applied, 0 not completed transactions rolled back, skipped applying 0 previously rolled back transactions. Time spent: 87ms.",
    '2026-12-07 18:20:39.946+0000 INFO  [o.n.k.i.t.l.c.CheckPointerImpl] [neo4j/252de5a5] Checkpoint triggered by "Recovery completed." @ txId: 55, append index: 55 checkpoint completed in 36ms.',
    '                                                                [neo4j/252de5a5]  - last checkpoint: CheckpointInfo[reason=Checkpoint triggered by "Recovery completed." @ txId: 55]',
  ].join("\n");
  const systemDone =
    "system: Recovery in 'full' mode completed. Observed transactions range [first:4, last:41]: 38 transactions applied, 0 not completed transactions rolled back, skipped applying 0 previously rolled back transactions. Time spent: 807ms.";
  const neo4jDone =
    "neo4j: Recovery in 'full' mode completed. Observed transactions range [first:4, last:55]: 52 transactions applied, 0 not completed transactions rolled back, skipped applying 0 previously rolled back transactions. Time spent: 87ms.";

  it("names each database that recovered and how, and not the checkpoint that quotes it", () => {
    const run = recoveryRuns(debugLog);
    expect(run).toEqual({
      databases: ["system", "neo4j"],
      observed: [
        "system: Recovery required from position LogPosition{logVersion=0, byteOffset=3238}",
        systemDone,
        "neo4j: Recovery required from position LogPosition{logVersion=0, byteOffset=3238}",
        neo4jDone,
      ],
    });
    expect(upSummary("dr-drill-offline/neo4j:5.26.28", run)).toBe(
      `server up on dr-drill-offline/neo4j:5.26.28 after crash recovery of system, neo4j: ${systemDone} | ${neo4jDone}`,
    );
  });

  it("the grep pattern is the same one, an earlier 5.x wording counts, and a server that needed none says so", () => {
    expect(debugLog.split("\n").filter((l) => RECOVERY_LINE.test(l))).toHaveLength(4);
    const earlier =
      "2024-01-01 00:00:00.000+0000 INFO  [o.n.k.r.Recovery] [neo4j/5a1c9e7b] Recovery completed. 50 transactions applied [first:3, last:52], 0 transactions rolled back. Time spent: 412ms.";
    expect(recoveryRuns(earlier).observed).toEqual([
      "neo4j: Recovery completed. 50 transactions applied [first:3, last:52], 0 transactions rolled back. Time spent: 412ms.",
    ]);
    expect(upSummary("img", recoveryRuns(debugLog.split("\n")[2]!))).toBe(
      "server up on img, no crash recovery in its debug.log",
    );
  });
});

describe("campaign file kinds of a Neo4j backup", () => {
  it("names the dump by offset and store files by the record store they hold", async () => {
    const dir = await makeTempDir();
    await mkdir(join(dir, "databases/neo4j/schema/index"), { recursive: true });
    const kinds = [
      ["neo4j.dump", 2, "dump format magic"],
      ["neo4j.dump", 4096, "dump archive"],
      ["neo4j.dump", undefined, "dump (whole file)"],
      ["databases/neo4j/neostore.nodestore.db", 0, "node store"],
      ["databases/neo4j/neostore.nodestore.db.id", 0, "id file"],
      ["databases/neo4j/neostore.relationshipstore.db", 0, "relationship store"],
      ["databases/neo4j/neostore.propertystore.db.strings", 0, "property store"],
      ["databases/neo4j/neostore.labeltokenstore.db.names", 0, "token store"],
      ["databases/neo4j/neostore", 0, "neostore (metadata)"],
      ["databases/system/neostore.nodestore.db", 0, "node store (system)"],
      ["databases/neo4j/schema/index/range-1.0/1/index-1", 0, "schema/index"],
      ["transactions/neo4j/neostore.transaction.db.0", 0, "transaction log"],
      ["transactions/system/neostore.transaction.db.0", 0, "transaction log (system)"],
      ["databases/neo4j/schema/index", undefined, "directory databases/neo4j/schema/index"],
    ] as const;
    for (const [path, at, kind] of kinds) expect(neo4jFileKind(dir, path, at), path).toBe(kind);
  });
});

describe("a Neo4j whose default database did not start refused the store, in its own status", () => {
  it("a database offline with Neo4j's reason is a refusal; online, starting or no reason is not", () => {
    expect(
      failedStatus(
        "offline",
        "Unable to start database `DatabaseId{neo4j}`: missing file neostore.propertystore.db.strings",
      ),
    ).toMatchObject({
      message:
        "Neo4j runs, but database neo4j is offline: Unable to start database `DatabaseId{neo4j}`: missing file neostore.propertystore.db.strings",
    });
    expect(failedStatus("online", "")).toBeUndefined();
    expect(failedStatus("starting", "")).toBeUndefined();
    expect(failedStatus("offline", " ")).toBeUndefined();
  });
});

describe("where a verify test's damage goes in a Neo4j cold copy", () => {
  it("flips the label field of the middle node in use with inlined labels, records laid out page by page", async () => {
    const dir = await makeTempDir();
    const store = Buffer.alloc(3 * 8192);
    /** A 15-byte record of node `id`: 546 fit in a page, the page's last 2 bytes unused. */
    const at = (id: number) => Math.floor(id / 546) * 8192 + (id % 546) * 15;
    for (let id = 540; id < 552; id++) {
      store[at(id)] = 1;
      store[at(id) + 13] = 0x10; // one inlined label
    }
    store[at(530)] = 1; // in use, no label
    store[at(531)] = 1;
    store[at(531) + 13] = 0x90; // labels in a dynamic record
    const rel = join("databases", "neo4j", "neostore.nodestore.db");
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), store);
    // Twelve nodes 540..551: the middle one is 546, the first record of the second page.
    expect(await neo4jDamageTargets(dir, "flip-byte")).toMatchObject({ file: rel, offset: 8192 + 9 });
    expect(await neo4jDamageTargets(dir, "truncate")).toBeUndefined();
    // A dump has no node store: the default target.
    expect(await neo4jDamageTargets(await makeTempDir(), "flip-byte")).toBeUndefined();
  });
});
