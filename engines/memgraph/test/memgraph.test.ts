import { describe, expect, it } from "vitest";
import { join } from "node:path";
import fc from "fast-check";
import {
  durabilityCheck,
  durabilityFiles,
  parseDurabilityHeader,
  readDurabilityHeader,
  storageModeCheck,
} from "../durability.ts";
import { cypherlOf, splitCypherScript } from "../dump-replay.ts";
import {
  MEMGRAPH_DEFAULT_VERSION,
  MEMGRAPH_VERSIONS,
  NO_OFFLINE_MEMGRAPH,
  memgraphImageSpec,
  memgraphVersion,
} from "../versions.ts";
import { MEMGRAPH_SCENARIOS, NEWER_INTO_OLDER, matrixExpectation, olderReader } from "../scenarios.ts";
import { MemgraphEngine, serverExited, type MemgraphArtifact } from "../engine.ts";
import { DrillClock } from "../../../harness/clock.ts";
import type { DrillRuntime } from "../../../harness/engine.ts";
import { judge } from "../../../harness/expectation.ts";
import {
  ImageResolver,
  ImageUnavailableError,
  type ImageSpec,
  type ResolvedImage,
} from "../../../harness/runtime/images.ts";
import { ContainerExitedError } from "../../../harness/runtime/wait-for-probe.ts";
import { refusalOf } from "../../../harness/runtime/start-or-refusal.ts";
import { makeTempDir, tempDirWith } from "../../../test/unit/support.ts";

/** A durability file as Memgraph writes one: magic, uint64 little-endian version, then a body we do not read. */
function durabilityFile(magic: "MGsn" | "MGwl", version: number | bigint, body = Buffer.from("body")): Buffer {
  const header = Buffer.alloc(12);
  header.write(magic, 0, "latin1");
  header.writeBigUInt64LE(BigInt(version), 4);
  return Buffer.concat([header, body]);
}

describe("memgraph durability headers", () => {
  it("reads the kind and the little-endian version of every format number", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("MGsn" as const, "MGwl" as const),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (magic, version) => {
          expect(parseDurabilityHeader(durabilityFile(magic, version))).toEqual({
            kind: magic === "MGsn" ? "snapshot" : "wal",
            version,
          });
        },
      ),
    );
    // Version 31 is 1f 00 00 00 00 00 00 00 after the magic, not 00 … 1f.
    expect(durabilityFile("MGsn", 31).subarray(4, 12).toString("hex")).toBe("1f00000000000000");
  });

  it("says why a header is not one: wrong magic, too short, an absurd version", () => {
    expect(parseDurabilityHeader(Buffer.from("PK\x03\x04\x00\x00\x00\x00\x00\x00\x00\x00", "latin1"))).toMatchObject({
      kind: "unknown",
      reason: expect.stringMatching(/neither MGsn nor MGwl/),
    });
    expect(parseDurabilityHeader(durabilityFile("MGsn", 31).subarray(0, 9))).toMatchObject({
      kind: "unknown",
      reason: "9 bytes, a header needs 12",
    });
    expect(parseDurabilityHeader(durabilityFile("MGwl", 2n ** 63n))).toMatchObject({
      kind: "unknown",
      reason: expect.stringMatching(/not a format number/),
    });
  });

  it("reads headers from files on disk, snapshots then WAL files", async () => {
    const dir = await tempDirWith({
      "snapshots/s1": durabilityFile("MGsn", 31),
      "wal/w1": durabilityFile("MGwl", 31),
      "wal/w2": durabilityFile("MGwl", 30),
    });
    expect(await readDurabilityHeader(join(dir, "wal/w2"))).toEqual({ kind: "wal", version: 30 });
    expect((await durabilityFiles(dir)).map((f) => f.path)).toEqual(["snapshots/s1", "wal/w1", "wal/w2"]);
  });
});

describe("memgraph version preflight", () => {
  it("accepts files a version reads: its own format and older ones back to 14", async () => {
    const dir = await tempDirWith({ "snapshots/s": durabilityFile("MGsn", 19), "wal/w": durabilityFile("MGwl", 19) });
    expect(durabilityCheck(await durabilityFiles(dir), "3.7.2")).toMatchObject({
      valid: true,
      summary: expect.stringMatching(/format 19: Memgraph 3.7.2 reads 14–31/),
    });
    expect(durabilityCheck(await durabilityFiles(dir), "2.19.0").valid).toBe(true);
  });

  it("refuses newer files for an older binary, which would skip them and start empty", async () => {
    const dir = await tempDirWith({ "snapshots/s": durabilityFile("MGsn", 31), "wal/w": durabilityFile("MGwl", 31) });
    const check = durabilityCheck(await durabilityFiles(dir), "2.19.0");
    expect(check.valid).toBe(false);
    expect(check.summary).toBe(
      "snapshots/s is durability format 31, Memgraph 2.19.0 reads formats 14–19: it would skip 2 of 2 file(s) and start without their data",
    );
    // The detection the newer-into-older scenario expects is this very summary.
    expect(check.summary).toMatch(
      new RegExp(NEWER_INTO_OLDER.outcome === "detects" ? NEWER_INTO_OLDER.by[0]!.reason! : "(none)"),
    );
  });

  it("refuses files older than the oldest supported format, unknown files, and a backup without a snapshot", async () => {
    expect(
      durabilityCheck(await durabilityFiles(await tempDirWith({ "snapshots/s": durabilityFile("MGsn", 13) })), "3.7.2")
        .valid,
    ).toBe(false);
    const garbled = durabilityCheck(
      await durabilityFiles(
        await tempDirWith({ "snapshots/s": durabilityFile("MGsn", 31), "wal/w": Buffer.from("MGw") }),
      ),
      "3.7.2",
    );
    expect(garbled).toMatchObject({ valid: false, summary: expect.stringMatching(/wal\/w \(3 bytes/) });
    const walOnly = durabilityCheck(
      await durabilityFiles(await tempDirWith({ "wal/w": durabilityFile("MGwl", 31) })),
      "3.7.2",
    );
    expect(walOnly).toMatchObject({ valid: false, summary: expect.stringMatching(/no snapshot file/) });
  });
});

describe("memgraph version table", () => {
  it("lists versions on both sides of a format change, each writing a newer format than the one before", () => {
    const versions = Object.keys(MEMGRAPH_VERSIONS);
    expect(versions.length).toBeGreaterThanOrEqual(3);
    expect(versions.some((v) => v.startsWith("2.")) && versions.some((v) => v.startsWith("3."))).toBe(true);
    const writes = versions.map((v) => memgraphVersion(v).writes);
    expect(writes).toEqual([...writes].sort((a, b) => a - b));
    expect(new Set(writes).size).toBe(writes.length);
    expect(versions).toContain(MEMGRAPH_DEFAULT_VERSION);
  });

  it("names the official image and says why no offline one can be built", () => {
    expect(memgraphImageSpec("3.7.2")).toEqual({
      engine: "memgraph",
      version: "3.7.2",
      official: "memgraph/memgraph:3.7.2",
      offline: { unavailable: NO_OFFLINE_MEMGRAPH },
    });
    expect(() => memgraphImageSpec("9.9.9")).toThrow(/unknown Memgraph version "9.9.9"; known versions: 2.19.0/);
  });

  it("expects an older binary on newer files to be caught as lost, never a pass", () => {
    expect(olderReader("3.7.2")).toBe("2.19.0");
    expect(olderReader("2.19.0")).toBeUndefined();
    expect(matrixExpectation("snapshot", "3.7.2", "2.22.1")).toEqual({
      outcome: "detects",
      by: [{ check: "ledger-oracle", reason: "\\d+ lost" }],
    });
    expect(matrixExpectation("snapshot", "3.0.0", "3.0.0")).toEqual({ outcome: "pass" });
    expect(matrixExpectation("snapshot", "2.19.0", "3.7.2")).toEqual({ outcome: "no-silent-loss" });
  });
});

describe("memgraph DUMP DATABASE replay", () => {
  // Queries as DUMP DATABASE writes them: string literals escaped, so ; ' " and line breaks can sit inside values.
  const literal = fc.string({ unit: "binary", maxLength: 20 }).map((s) => JSON.stringify(s));
  const query = fc
    .tuple(
      fc.constantFrom("CREATE (:__mg_vertex__ {__mg_id__: 0, p: ", "MATCH (n) SET n.`we;ird` = ", "RETURN '; ' + "),
      literal,
    )
    .map(([head, lit]) => `${head}${lit}${head.startsWith("CREATE") ? "})" : ""}`);

  it("splits a dump back into exactly the queries it was made of", () => {
    fc.assert(
      fc.property(fc.array(query, { maxLength: 8 }), (queries) => {
        expect(splitCypherScript(cypherlOf(queries))).toEqual(queries.map((q) => q.trim()));
      }),
    );
  });

  it("a dump cut inside a string literal is an error, not a shorter replay", () => {
    const script = cypherlOf(['CREATE (:N {p: "a;b"})', 'CREATE (:N {p: "c\\"d"})']);
    expect(() => splitCypherScript(script.slice(0, script.indexOf("c\\")))).toThrow(/cut short/);
  });

  it("reports IN_MEMORY_ANALYTICAL as a finding, the transactional mode as fine", () => {
    expect(storageModeCheck([{ name: "storage_mode", value: "IN_MEMORY_ANALYTICAL" }])).toMatchObject({
      name: "durability:storage-mode",
      valid: false,
      summary: expect.stringMatching(/no WAL/),
    });
    // Only the mode is read: nothing about WAL or snapshots is claimed for it.
    expect(storageModeCheck([{ name: "storage_mode", value: "IN_MEMORY_TRANSACTIONAL" }])).toEqual({
      name: "durability:storage-mode",
      valid: true,
      summary: "storage_mode IN_MEMORY_TRANSACTIONAL (SHOW STORAGE INFO), not IN_MEMORY_ANALYTICAL",
    });
    expect(storageModeCheck([]).valid).toBe("unknown");
  });
});

/** An image resolver as on this machine, where no Memgraph image can be had; it records what the restore asked for. */
class NoMemgraphImage extends ImageResolver {
  readonly asked: ImageSpec[] = [];

  constructor() {
    super("offline", () => undefined);
  }

  override resolve(spec: ImageSpec): Promise<ResolvedImage> {
    this.asked.push(spec);
    return Promise.reject(new ImageUnavailableError(`${spec.official} is not present`));
  }
}

describe("memgraph restore: the preflight is ours, the refusal is the server's", () => {
  async function newerSnapshot(): Promise<MemgraphArtifact> {
    const dir = await tempDirWith({ "snapshots/s": durabilityFile("MGsn", 31), "wal/w": durabilityFile("MGwl", 31) });
    return { dir, method: "snapshot", sourceVersion: "3.7.2", storageInfo: [], tool: "CREATE SNAPSHOT", finishedAt: 0 };
  }

  it("restores files the preflight flagged instead of answering with a refusal of its own", async () => {
    const images = new NoMemgraphImage();
    const rt: DrillRuntime = {
      runId: "unit",
      drillId: "unit",
      labels: {},
      images,
      clock: new DrillClock(),
      workDir: await makeTempDir(),
      signal: new AbortController().signal,
      log: () => undefined,
    };
    const artifact = await newerSnapshot();
    const engine = new MemgraphEngine("2.19.0", "snapshot");
    expect((await engine.preflight(artifact)).find((c) => c.name === "preflight:durability-version")?.valid).toBe(
      false,
    );
    // It goes on to the server's image (missing here: an error, so the drill would be undecided), not to an attempt.
    await expect(engine.restore(artifact, rt, {})).rejects.toThrow(ImageUnavailableError);
    expect(images.asked.map((s) => s.official)).toEqual(["memgraph/memgraph:2.19.0"]);
  });

  it("newer-into-older expects the preflight to detect it, which the preflight's own summary meets", async () => {
    const scenario = MEMGRAPH_SCENARIOS.find((s) => s.name === "newer-into-older")!;
    expect(scenario.expects({ version: "3.7.2", method: "snapshot", restoreInto: null })).toBe(
      "detects (by preflight:durability-version)",
    );
    const flagged = durabilityCheck(await durabilityFiles((await newerSnapshot()).dir), "2.19.0");
    // The older server came up (on no data it could read): the preflight's finding is what the scenario is judged on.
    const facts = {
      verdict: "fail" as const,
      checks: [flagged, { name: "restore", valid: true, summary: "engine came up after 1 attempt(s)" }],
      restoreAttempts: [{ ok: true, summary: "server up", durationMs: 1 }],
      nodeUp: true,
      failedBackups: [],
    };
    expect(judge(NEWER_INTO_OLDER, facts)).toMatchObject({ met: true, observed: "detected" });
  });

  it("a start that failed because the server exited is its refusal; a probe that timed out is thrown, undecided", () => {
    const exited = new ContainerExitedError(1, "Recovery failure: Invalid snapshot version!");
    expect(refusalOf(new Error("start failed", { cause: exited }), serverExited, Date.now())).toMatchObject({
      ok: false,
      exitCode: 1,
      summary: "server exited with code 1: Recovery failure: Invalid snapshot version!",
    });
    const timedOut = new Error(
      "probe mgconsole did not succeed within 120000 ms; last log lines:\nRecovering snapshot…",
    );
    expect(() => refusalOf(timedOut, serverExited, Date.now())).toThrow(timedOut);
  });
});
