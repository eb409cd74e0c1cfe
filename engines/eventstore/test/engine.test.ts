import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { DrillRuntime } from "../../../harness/engine.ts";
import { DrillClock } from "../../../harness/clock.ts";
import { judge } from "../../../harness/expectation.ts";
import { ImageResolver } from "../../../harness/runtime/images.ts";
import { ENGINES } from "../../index.ts";
import { CHUNKS_FIRST, DOCUMENTED_ORDER, copyInOrder, type CopySource } from "../backup.ts";
import { EventStoreEngine, type EventStoreArtifact } from "../engine.ts";
import {
  chunksBeforeCheckpoints,
  flippedChunkByte,
  missingChunk,
  missingTruncateChk,
  type EventStoreFault,
} from "../faults.ts";
import { chunkFileName, decodeCheckpoint } from "../formats.ts";
import { ALL_VERSIONS, eventStoreImageSpec, versionPairExpectation } from "../versions.ts";
import { soundBackup, writeCheckpoints } from "./datadir.ts";
import { makeTempDir } from "../../../test/unit/support.ts";

const run = promisify(execFile);

/** A runtime for the parts of the engine that need no server (preflight, merge): nothing here resolves an image. */
async function runtime(): Promise<DrillRuntime> {
  return {
    runId: "unit",
    drillId: "unit",
    labels: {},
    images: new ImageResolver("official", () => undefined),
    clock: new DrillClock(),
    workDir: await makeTempDir("esdb-engine-"),
    signal: new AbortController().signal,
    log: () => undefined,
  };
}

async function artifact(opts: Parameters<typeof soundBackup>[1] = {}): Promise<EventStoreArtifact> {
  const dir = await makeTempDir("esdb-artifact-");
  await soundBackup(join(dir, "db"), { truncate: -1, ...opts });
  return {
    dir,
    method: "online",
    tool: "built from the formats",
    finishedAt: 0,
    sourceVersion: "24.10",
    sets: ["db"],
    copies: [],
  };
}

/** Applies a fault as the drill does, runs the engine's preflight, and judges the fault's expectation on it. */
async function preflightJudged(fault: EventStoreFault, damage?: (a: EventStoreArtifact) => Promise<void>) {
  const a = await artifact();
  await damage?.(a);
  await fault.apply(a);
  const engine = new EventStoreEngine("eventstore", "24.10", "online", fault.engineOptions);
  const checks = await engine.preflight(a, await runtime());
  return {
    checks,
    judgement: judge(fault.expect, {
      verdict: checks.some((c) => c.valid === false) ? "fail" : "pass",
      checks,
      restoreAttempts: [],
      nodeUp: false,
      failedBackups: [],
    }),
  };
}

describe("eventstore faults are caught by the preflight, for the reason each states", () => {
  it("missing truncate.chk: detected by preflight:truncate-checkpoint", async () => {
    const { judgement, checks } = await preflightJudged(missingTruncateChk());
    expect(judgement).toMatchObject({ met: true, observed: "detected" });
    expect(checks.filter((c) => c.valid === false).map((c) => c.name)).toEqual(["preflight:truncate-checkpoint"]);
  });

  it("the same backup restored as the guide says (chaser.chk → truncate.chk) passes every preflight check", async () => {
    const a = await artifact();
    const checks = await new EventStoreEngine("eventstore", "24.10").preflight(a, await runtime());
    expect(checks.filter((c) => c.valid !== true)).toEqual([]);
  });

  it("a flipped byte in chunk-000000: detected by preflight:chunk-files (MD5)", async () => {
    expect((await preflightJudged(flippedChunkByte())).judgement).toMatchObject({ met: true, observed: "detected" });
  });

  it("chunks copied first: detected by preflight:log-tail once the checkpoints count records the copy lacks", async () => {
    const { judgement } = await preflightJudged(chunksBeforeCheckpoints(), async (a) => {
      const writer = decodeCheckpoint(await readFile(join(a.dir, "db", "writer.chk")));
      await writeCheckpoints(join(a.dir, "db"), { writer: writer + 500 });
    });
    expect(judgement).toMatchObject({ met: true, observed: "detected" });
  });

  it("a sound backup under the chunks-first fault is not claimed as detected: the judgement says missed", async () => {
    expect((await preflightJudged(chunksBeforeCheckpoints())).judgement).toMatchObject({
      met: false,
      observed: "missed",
    });
  });

  it("a missing chunk fails the preflight's numbering; its expectation (refuses) needs the server's refusal, not ours", async () => {
    const { checks, judgement } = await preflightJudged(missingChunk());
    expect(checks.find((c) => c.name === "preflight:chunk-numbering")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/chunk number\(s\) 0 missing/),
    });
    expect(judgement.met).toBe(false);
  });

  it("a differential artifact is merged before the preflight reads it", async () => {
    const a = await artifact();
    const dir = await makeTempDir("esdb-diff-");
    await soundBackup(join(dir, "full"), { truncate: -1 });
    const diff = join(dir, "differential");
    await soundBackup(diff, { truncate: -1 });
    for (const f of await readdir(diff))
      if (f === chunkFileName(0, 0) || f === chunkFileName(1, 0)) await writeFile(join(diff, f), "");
    const checks = await new EventStoreEngine("eventstore", "24.10", "differential").preflight(
      { ...a, dir, sets: ["full", "differential"] },
      await runtime(),
    );
    // The differential's broken copies of chunks 0 and 1 win: same version, and the newest set is copied last.
    expect(checks.find((c) => c.name === "preflight:chunk-files")?.valid).toBe(false);
  });
});

/** The node's shell, here: the copy scripts run for real with sh on a built data directory. */
function localShell(dataDir: string): CopySource {
  return {
    version: { dataDir },
    sh: async (script: string) => (await run("sh", ["-c", script])).stdout,
  };
}

describe("the copy scripts, run with sh on a data directory built from the formats", () => {
  async function dataDir() {
    const dir = await makeTempDir("esdb-data-");
    const log = await soundBackup(dir);
    await mkdir(join(dir, "index", "stream-existence"), { recursive: true });
    await writeFile(join(dir, "index", "stream-existence", "streamExistenceFilter.chk"), Buffer.alloc(8));
    await writeFile(join(dir, "index", "0b9f8a3e-ptable"), "ptable");
    return { dir, log };
  }

  it("copies in the guide's order: index checkpoints, index, *.chk, chunks; everything arrives", async () => {
    const { dir, log } = await dataDir();
    const dst = join(await makeTempDir("esdb-copy-"), "backup");
    let t = 0;
    const report = await copyInOrder(localShell(dir), dst, { order: DOCUMENTED_ORDER }, () => ++t);
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

  it("a differential copy skips the chunk files the full backup already has", async () => {
    const { dir, log } = await dataDir();
    const dst = join(await makeTempDir("esdb-copy-"), "backup");
    const report = await copyInOrder(
      localShell(dir),
      dst,
      { order: DOCUMENTED_ORDER, skipChunks: new Set(log.files.slice(0, 2)) },
      () => 0,
    );
    expect(report.chunks).toEqual(log.files.slice(2));
    expect(existsSync(join(dst, "writer.chk"))).toBe(true);
  });

  it("runs the wrong order when asked, chunks first, and calls the hook before each step", async () => {
    const { dir } = await dataDir();
    const seen: string[] = [];
    const report = await copyInOrder(
      localShell(dir),
      join(await makeTempDir("esdb-copy-"), "b"),
      { order: CHUNKS_FIRST, beforeStep: async (s) => void seen.push(s) },
      () => 0,
    );
    expect(report.steps.map((s) => s.step)).toEqual([...CHUNKS_FIRST]);
    expect(seen).toEqual([...CHUNKS_FIRST]);
  });
});

describe("eventstore and kurrentdb in the registry and the version table", () => {
  it("registers both, with every version's official image and why none can be built here", () => {
    expect(ENGINES.eventstore!.versions).toEqual(["22.10", "23.10", "24.10", "25.0", "26.0"]);
    expect(ENGINES.kurrentdb!.versions).toEqual(["25.0", "26.0"]);
    const spec = eventStoreImageSpec("eventstore")("22.10");
    expect(spec.official).toBe("eventstore/eventstore:22.10");
    expect(spec.offline).toEqual({
      unavailable: expect.stringMatching(/no Debian package, npm, PyPI, Maven or Go artifact/),
    });
    expect(ENGINES.kurrentdb!.imageSpec("26.0").official).toBe("kurrentplatform/kurrentdb:26.0");
  });

  it("holds what each release's source says: data dir, uid, chunk version, restart after truncation", () => {
    const row = (v: string) => {
      const { dataDir, uid, chunkVersion, exitsAfterTruncation } = ALL_VERSIONS[v]!;
      return [dataDir, uid, chunkVersion, exitsAfterTruncation];
    };
    expect(row("22.10")).toEqual(["/var/lib/eventstore", 1000, 3, false]);
    expect(row("23.10")).toEqual(["/var/lib/eventstore", 1000, 3, false]);
    expect(row("24.10")).toEqual(["/var/lib/eventstore", 1000, 4, true]);
    expect(row("25.0")).toEqual(["/var/lib/kurrentdb", 1000, 4, true]);
    expect(row("26.0")).toEqual(["/var/lib/kurrentdb", 1001, 4, true]);
  });

  it("expects a pass for the same version and the next one up, and no silent loss elsewhere", () => {
    expect(versionPairExpectation("22.10", "22.10")).toBe("pass");
    expect(versionPairExpectation("24.10", "25.0")).toBe("pass");
    expect(versionPairExpectation("22.10", "26.0")).toBe("no-silent-loss");
    expect(versionPairExpectation("26.0", "25.0")).toBe("no-silent-loss");
  });

  it("states every fault scenario's expectation where `dr-drill list` shows it", () => {
    const byName = Object.fromEntries(ENGINES.eventstore!.scenarios.map((s) => [s.name, s.expects[s.methods[0]!]]));
    expect(byName).toMatchObject({
      "missing-truncate-chk": "detects (by preflight:truncate-checkpoint)",
      "chunks-first": "detects (by preflight:log-tail)",
      "missing-chunk": "refuses (/ChunkNotFound|chunk.*not found/)",
      "flipped-byte": "detects (by preflight:chunk-files)",
      "scavenge-during-copy": "no-silent-loss",
      load: "pass",
    });
  });

  it("refuses an unknown version, naming the known ones", () => {
    expect(() => new EventStoreEngine("eventstore", "21.10")).toThrow(
      /known versions: 22\.10, 23\.10, 24\.10, 25\.0, 26\.0/,
    );
  });
});
