import { describe, expect, it } from "vitest";
import { versionMatrixScenario, type ScenarioRequest } from "../../harness/scenario.ts";
import { compatibilityMatrix } from "../../harness/report/run-evidence.ts";
import { MemoryEngine } from "../../engines/memory/index.ts";
import { Recording } from "./recording-engine.ts";
import { makeTempDir } from "./support.ts";

/** A version matrix of the in-process engine; `sources` holds every engine it backed up on. */
function memoryMatrix() {
  const sources: Recording[] = [];
  const scenario = versionMatrixScenario({
    name: "matrix",
    description: "unit",
    methods: ["snapshot"],
    versions: ["1", "2", "3"],
    source: (from) => {
      const engine = new Recording(from);
      sources.push(engine);
      return engine;
    },
    // "3" comes up but cannot serve what it restored, without refusing: that pair must come out not met.
    target: (from, to) => ({
      engine: new MemoryEngine(to, to === "3" ? { readError: "table trades does not exist" } : {}),
      expect: from === to ? { outcome: "pass" } : { outcome: "no-silent-loss" },
    }),
  });
  return { scenario, sources };
}

async function request(restoreInto: string | null = null): Promise<ScenarioRequest> {
  return {
    version: "1",
    method: "snapshot",
    restoreInto,
    rows: 200,
    seed: 11,
    writers: 0,
    images: "auto",
    runId: "run",
    reportsDir: await makeTempDir(),
    targets: {},
    keepArtifacts: false,
    sink: { line: () => undefined },
    replay: (d) => ({ command: `replay ${d.version}→${d.restoreInto} ${d.seed}`, args: null }),
  };
}

describe("version matrix scenario", () => {
  it("backs up once on the requested version and restores that backup into every version, one drill per pair", async () => {
    const { scenario, sources } = memoryMatrix();
    const results = await scenario.run(await request());
    expect(sources.map((s) => [s.version, s.backups])).toEqual([["1", 1]]);
    expect(results.map((r) => r.evidence.drillId)).toEqual([
      "matrix-memory1-snapshot-to1-11",
      "matrix-memory1-snapshot-to2-11",
      "matrix-memory1-snapshot-to3-11",
    ]);
    expect(results.map((r) => r.evidence.replay.command)).toEqual(["replay 1→1 11", "replay 1→2 11", "replay 1→3 11"]);
    expect(results.map((r) => [r.evidence.expectation.outcome, r.evidence.expectation.met])).toEqual([
      ["pass", true],
      ["no-silent-loss", true],
      ["no-silent-loss", false],
    ]);
    expect(new Set(results.map((r) => JSON.stringify(r.evidence.artifacts))).size).toBe(1);
    const cells = compatibilityMatrix(results.map((r) => r.evidence));
    expect(cells?.map((c) => `${c.from}→${c.to} ${c.verdict}`)).toEqual(["1→1 pass", "1→2 pass", "1→3 fail"]);
  });

  it("with --restore-into, restores only into that version", async () => {
    const { scenario, sources } = memoryMatrix();
    const results = await scenario.run(await request("2"));
    expect(results.map((r) => r.evidence.drillId)).toEqual(["matrix-memory1-snapshot-to2-11"]);
    expect(sources.map((s) => s.backups)).toEqual([1]);
  });
});
