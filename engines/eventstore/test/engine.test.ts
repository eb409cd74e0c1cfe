import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { judge } from "../../../harness/expectation.ts";
import { ENGINES } from "../../index.ts";
import { EventStoreEngine, type EventStoreArtifact } from "../engine.ts";
import {
  chunksBeforeCheckpoints,
  flippedChunkByte,
  missingChunk,
  missingTruncateChk,
  type EventStoreFault,
} from "../faults.ts";
import { chunkFileName, decodeCheckpoint } from "../formats.ts";
import {
  ALL_VERSIONS,
  DEFAULT_CHUNK_SIZE,
  DRILL_CHUNK_SIZE,
  drillChunkSize,
  eventStoreImageSpec,
  versionPairExpectation,
} from "../versions.ts";
import { nodeEnvironment } from "../container.ts";
import { loadScenario } from "../../index.ts";
import type { ScenarioRequest } from "../../../harness/scenario.ts";
import { soundBackup, writeCheckpoints } from "./datadir.ts";
import { makeTempDir } from "../../../test/unit/support.ts";

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
  const checks = await engine.preflight(a);
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
    const checks = await new EventStoreEngine("eventstore", "24.10").preflight(a);
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

  it("a differential artifact is read from its newest set, the full backup brought up to date in place", async () => {
    const dir = await makeTempDir("esdb-diff-");
    await soundBackup(join(dir, "full"), { truncate: -1 });
    await soundBackup(join(dir, "differential"), { truncate: -1 });
    const engine = new EventStoreEngine("eventstore", "24.10", "differential");
    const a = { ...(await artifact()), dir, sets: ["full", "differential"] };
    expect((await engine.preflight(a)).filter((c) => c.valid !== true)).toEqual([]);
    await writeFile(join(dir, "differential", chunkFileName(0, 0)), "");
    expect((await engine.preflight(a)).find((c) => c.name === "preflight:chunk-files")?.valid).toBe(false);
  });
});

describe("eventstore and kurrentdb in the registry and the version table", () => {
  it("registers both, with every version's official image and why none can be built here", () => {
    expect(ENGINES.eventstore!.versions).toEqual(["22.10", "23.10", "24.10", "25.0", "26.0"]);
    expect(ENGINES.kurrentdb!.versions).toEqual(["25.0", "26.0"]);
    const spec = eventStoreImageSpec("eventstore")("22.10");
    expect(spec.offline).toEqual({
      unavailable: expect.stringMatching(/no Debian package, npm, PyPI, Maven or Go artifact/),
    });
    // Tags seen in public use (versions.ts cites where): a patch release each, never a bare major.minor.
    expect(Object.values(ALL_VERSIONS).map((v) => v.official)).toEqual([
      "eventstore/eventstore:22.10.5-bookworm-slim",
      "eventstore/eventstore:23.10.7-bookworm-slim",
      "eventstore/eventstore:24.10.4-jammy",
      "docker.kurrent.io/kurrent-latest/kurrentdb:25.0.0",
      "docker.kurrent.io/kurrent-latest/kurrentdb:26.0.3",
    ]);
    expect(ENGINES.kurrentdb!.imageSpec("26.0").official).toBe(ALL_VERSIONS["26.0"]!.official);
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

  it("gives CHUNK_SIZE only to versions that read it; a drill touching 22.10 or 23.10 runs every node at 256 MiB", () => {
    const env = (v: string, versions = [v]) => nodeEnvironment(ALL_VERSIONS[v]!, drillChunkSize(versions));
    expect(env("22.10")).not.toHaveProperty("EVENTSTORE_CHUNK_SIZE");
    expect(env("23.10")).not.toHaveProperty("EVENTSTORE_CHUNK_SIZE");
    expect(env("24.10").EVENTSTORE_CHUNK_SIZE).toBe(String(DRILL_CHUNK_SIZE));
    expect(env("26.0").KURRENTDB_CHUNK_SIZE).toBe(String(DRILL_CHUNK_SIZE));
    // A pair or a matrix that includes 22.10: 24.10 is not told 1 MiB either.
    expect(env("24.10", ["22.10", "24.10"])).not.toHaveProperty("EVENTSTORE_CHUNK_SIZE");
    expect(drillChunkSize(Object.keys(ALL_VERSIONS))).toBe(DEFAULT_CHUNK_SIZE);
    expect(drillChunkSize(["25.0", "26.0"])).toBe(DRILL_CHUNK_SIZE);
    const matrix = (engine: string) => ENGINES[engine]!.scenarios.find((x) => x.name === "matrix")!.description;
    expect(matrix("eventstore")).toMatch(/every node with 256 MiB chunks/);
    expect(matrix("kurrentdb")).toMatch(/every node with 1 MiB chunks/);
  });

  it("runs 26.0 without secondary indexes (no online file copy with them on), and only 26.0", () => {
    expect(nodeEnvironment(ALL_VERSIONS["26.0"]!, DRILL_CHUNK_SIZE)).toMatchObject({
      KURRENTDB_SECONDARY_INDEXING__ENABLED: "false",
    });
    expect(nodeEnvironment(ALL_VERSIONS["25.0"]!, DRILL_CHUNK_SIZE)).not.toHaveProperty(
      "KURRENTDB_SECONDARY_INDEXING__ENABLED",
    );
  });

  it("refuses the scenarios that need completed chunks on 22.10 and 23.10, before anything starts, and says so in list", async () => {
    const req = (version: string, method: string): ScenarioRequest => ({
      version,
      method,
      restoreInto: null,
      rows: 10,
      writers: 1,
      targets: {},
      images: "official",
      runId: "unit",
      reportsDir: "reports",
      keepArtifacts: false,
      replay: () => ({ command: "", args: null }),
    });
    for (const [name, method] of [
      ["flipped-byte", "online"],
      ["missing-chunk", "online"],
      ["differential", "differential"],
      ["load", "differential"],
    ] as const) {
      const scenario = await loadScenario("eventstore", name);
      for (const version of ["22.10", "23.10"])
        await expect(scenario.run(req(version, method)), `${name} on ${version}`).rejects.toThrow(
          /needs completed chunks, and 2\d\.10 ignores CHUNK_SIZE.*Run it on 24\.10, 25\.0, 26\.0/,
        );
      expect(ENGINES.eventstore!.scenarios.find((x) => x.name === name)!.description).toMatch(
        /22\.10 and 23\.10 ignore CHUNK_SIZE/,
      );
    }
  });

  it("refuses an unknown version, naming the known ones", () => {
    expect(() => new EventStoreEngine("eventstore", "21.10")).toThrow(
      /known versions: 22\.10, 23\.10, 24\.10, 25\.0, 26\.0/,
    );
  });
});
