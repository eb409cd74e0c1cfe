import { describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { runDrill, type DrillOptions, type DrillResult } from "../../harness/drill.ts";
import type { Evidence } from "../../harness/evidence.ts";
import type { DrillFault } from "../../harness/faults.ts";
import type { LedgerEntry } from "../../harness/ledger.ts";
import { junitXml } from "../../harness/report/text-reports.ts";
import { runVerdict, RUN_EVIDENCE_SCHEMA, type RunEvidence } from "../../harness/report/run-evidence.ts";
import {
  MemoryEngine,
  corruptValue,
  dropKeys,
  engineOption,
  type MemoryArtifact,
  type MemoryEngineOptions,
  type MemoryNode,
  type MemoryOp,
} from "../../engines/memory/index.ts";
import { ranAsPlanned } from "./sample-evidence.ts";
import { makeTempDir } from "./support.ts";

const UNDER_LOAD = { writers: 2, maxOps: 400, maxMs: 10_000, leadInOps: 50, tailMs: 30 };
const quiet = { line: () => undefined };

/** One drill of the in-process engine: the whole lifecycle, no Docker. */
async function drill(
  opts: Partial<DrillOptions<MemoryOp, MemoryNode, MemoryArtifact>> & {
    engine?: MemoryEngine;
    options?: MemoryEngineOptions;
  } = {},
): Promise<DrillResult> {
  const { options, ...rest } = opts;
  return runDrill({
    scenario: "unit",
    engine: new MemoryEngine("1", options),
    rows: 300,
    seed: 7,
    reportsDir: await makeTempDir(),
    replayCommand: (seed) => `replay ${seed}`,
    sink: quiet,
    ...rest,
  });
}

/** A run in which every planned drill ran. */
function complete(evidence: Evidence[]) {
  const { planned, interrupted } = ranAsPlanned(evidence.map((e) => ({ evidence: e })));
  return { drills: evidence, planned: { count: planned.length, drills: planned }, interrupted };
}

function run(...drills: DrillResult[]): RunEvidence {
  const evidence = drills.map((d) => d.evidence);
  const at = new Date().toISOString();
  return {
    schema: RUN_EVIDENCE_SCHEMA,
    runId: "r",
    startedAt: at,
    endedAt: at,
    tool: { name: "dr-drill", version: "0", commit: null },
    initiator: evidence[0]!.initiator,
    targets: {},
    verdict: runVerdict(complete(evidence)),
    counts: { drills: 1, passed: 0, failed: 0, unknown: 0 },
    matrix: null,
    weakCredentials: [],
    ...complete(evidence),
  };
}

const check = (r: DrillResult, name: string) => r.evidence.checks.find((c) => c.name === name);

describe("drill lifecycle: verdicts and expectations", () => {
  it("a clean drill passes with exact equivalence, an RTO, and an RPO of zero", async () => {
    const r = await drill();
    expect(r.evidence.verdict).toBe("pass");
    expect(r.evidence.expectation).toMatchObject({ outcome: "pass", met: true, observed: "passed" });
    expect(check(r, "exact-equivalence")?.valid).toBe(true);
    expect(r.evidence.achieved.rtoMs).toBeGreaterThan(0);
    expect(r.evidence.achieved.rpoMs).toBe(0);
    expect(r.evidence.achieved.writesLost).toEqual({ insideRecoveryPoint: 0, afterRecoveryPoint: 0 });
  });

  it("under load, writes after the recovery point are counted apart and do not fail the drill", async () => {
    const r = await drill({ workload: UNDER_LOAD });
    expect(r.evidence.verdict).toBe("pass");
    expect(r.evidence.workload?.ok).toBeGreaterThan(UNDER_LOAD.leadInOps);
    expect(r.evidence.achieved.writesLost?.insideRecoveryPoint).toBe(0);
    expect(r.evidence.achieved.writesLost?.afterRecoveryPoint).toBeGreaterThan(0);
    expect(r.evidence.achieved.rpoMs).toBeGreaterThan(0);
    expect(check(r, "atomicity")).toMatchObject({ valid: true, details: { torn: 0 } });
  });

  it("a detected fault meets its expectation, naming the check that caught it", async () => {
    const r = await drill({ faults: [dropKeys(10)] });
    expect(r.evidence.verdict).toBe("fail");
    expect(r.evidence.expectation).toMatchObject({ outcome: "detects", met: true, observed: "detected" });
    expect(r.evidence.faults).toMatchObject([{ fault: "drop-keys", expected: "detects", observed: "detected" }]);
    expect(junitXml(run(r))).toContain('failures="0"');
  });

  it("a missed fault is a failure everywhere: expectation, run verdict and junit", async () => {
    const r = await drill({
      faults: [engineOption("does-nothing", { outcome: "detects", by: [{ check: "ledger-oracle" }] })],
    });
    expect(r.evidence.verdict).toBe("pass");
    expect(r.evidence.expectation).toMatchObject({
      met: false,
      observed: "missed",
      why: expect.stringMatching(/MISSED/),
    });
    expect(runVerdict(complete([r.evidence]))).toBe("fail");
    expect(junitXml(run(r))).toMatch(/failures="1"[\s\S]*<failure message="pass: the fault was MISSED/);
  });

  it("a fault caught for another reason than stated does not meet the expectation", async () => {
    const r = await drill({
      faults: [corruptValue({ outcome: "detects", by: [{ check: "ledger-oracle", reason: "lost" }] })],
    });
    expect(r.evidence.verdict).toBe("fail");
    expect(r.evidence.expectation).toMatchObject({
      met: false,
      why: expect.stringMatching(/not for the stated reason.*corrupt/),
    });
  });

  it("a loud refusal with the backup untouched meets a refuses expectation", async () => {
    const options = { refuseRestore: "FATAL: database files are incompatible with server" };
    const r = await drill({
      options,
      faults: [engineOption("incompatible", { outcome: "refuses", reason: "incompatible" })],
    });
    expect(r.evidence.expectation).toMatchObject({ met: true, observed: "refused" });
    expect(check(r, "artifact-untouched")?.valid).toBe(true);
    expect(r.evidence.achieved.rtoMs).toBeNull();
  });

  it("a crash of dr-drill during the restore is undecided, never a detection", async () => {
    const r = await drill({ options: { crashIn: "restore" }, faults: [dropKeys(10)] });
    expect(r.evidence.verdict).toBe("unknown");
    expect(r.evidence.expectation).toMatchObject({ met: false, observed: "undecided" });
    expect(r.evidence.reasons[0]).toMatch(/^restore failed: connect ENOENT/);
    expect(runVerdict(complete([r.evidence]))).toBe("unknown");
    expect(junitXml(run(r))).toMatch(/<failure message="unknown: undecided/);
  });

  it("a drill whose ledger holds nothing acknowledged before the backup is undecided: an empty restore of an empty source proves nothing", async () => {
    const r = await drill({ rows: 0 });
    expect(check(r, "exact-equivalence")?.valid).toBe(true);
    expect(check(r, "ledger-oracle")).toMatchObject({
      valid: "unknown",
      summary: expect.stringMatching(/^nothing to check/),
    });
    expect(r.evidence).toMatchObject({
      verdict: "unknown",
      expectation: { met: false, observed: "undecided" },
      scope: { dataset: { recordsLoaded: 0 } },
    });
  });

  it("a crash during the backup of a fault drill is undecided too", async () => {
    const r = await drill({ options: { crashIn: "backup" }, faults: [dropKeys(10)] });
    expect(r.evidence).toMatchObject({ verdict: "unknown", expectation: { met: false } });
  });

  it("a crashing checker is unknown while the other checkers keep their results", async () => {
    const r = await drill({ options: { crashIn: "invariants" } });
    expect(check(r, "invariants")).toMatchObject({
      valid: "unknown",
      summary: expect.stringMatching(/checker crashed/),
    });
    expect(check(r, "ledger-oracle")?.valid).toBe(true);
    expect(r.evidence.verdict).toBe("unknown");
  });

  it("an error the restored engine returns while read is a failed check with its words, not a crash", async () => {
    const r = await drill({ options: { readError: "Partition '2024-01-01' does not exist in table 'trades'" } });
    expect(r.evidence.verdict).toBe("fail");
    expect(check(r, "read-back")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/Partition '2024-01-01' does not exist/),
    });
    expect(check(r, "ledger-oracle")?.valid).toBe("unknown");
  });

  it("a torn copy under load is caught by the cut check of a point-in-time promise", async () => {
    const r = await drill({ options: { tornCopyPauseMs: 40 }, workload: UNDER_LOAD });
    const oracle = check(r, "ledger-oracle");
    expect(oracle?.valid).toBe(false);
    expect(oracle?.summary).toMatch(/torn-cut/);
    expect(r.evidence.verdict).toBe("fail");
  });

  it("the same torn copy passes when the engine only promises per-key consistency", async () => {
    const r = await drill({
      options: { tornCopyPauseMs: 40, records: { consistency: "per-key" } },
      workload: UNDER_LOAD,
    });
    expect(check(r, "ledger-oracle")?.valid).toBe(true);
    expect(r.evidence.scope.consistency).toBe("per-key");
  });

  it("a backup that fails first and succeeds on retry meets a restores expectation naming the failure", async () => {
    const fault = {
      ...engineOption("copy-breaks", { outcome: "restores", failedBackups: ["copy interrupted"] }),
      backupAttempts: 2,
    };
    const r = await drill({ options: { failingBackups: 1 }, faults: [fault], workload: UNDER_LOAD });
    expect(r.evidence.backup.failedAttempts).toEqual([expect.stringMatching(/copy interrupted/)]);
    expect(r.evidence.expectation).toMatchObject({ met: true, observed: "restored" });
    expect(r.evidence.deviations).toContain("backup needed 2 attempts");
  });
});

describe("drill lifecycle: what never meets an expectation", () => {
  const toolError = "pg_restore exited 1: error: could not read from input file: end of file";

  it("a node that came up is never a refusal, whatever its tool said: lost keys under no-silent-loss are missed", async () => {
    const r = await drill({
      options: { upDespiteToolError: toolError },
      faults: [dropKeys(30, { outcome: "no-silent-loss" })],
    });
    expect(r.evidence.restoreAttempts).toMatchObject([{ ok: false }]);
    expect(check(r, "restore")?.valid).toBe(false);
    expect(r.evidence.verdict).toBe("fail");
    expect(r.evidence.expectation).toMatchObject({
      met: false,
      observed: "missed",
      why: expect.stringMatching(/came up with wrong data.*30 lost/),
    });
    expect(runVerdict(complete([r.evidence]))).toBe("fail");
  });

  it("a node that came up does not meet a refuses expectation either, even with the tool's words", async () => {
    const r = await drill({
      options: { upDespiteToolError: toolError },
      faults: [engineOption("tool-error", { outcome: "refuses", reason: "could not read" })],
    });
    expect(r.evidence.expectation).toMatchObject({
      met: false,
      observed: "missed",
      why: expect.stringMatching(/NOT refused: a node came up/),
    });
  });

  it("a detection beside a crashed checker is undecided, not met, and the crash is among the reasons", async () => {
    const r = await drill({ options: { crashIn: "invariants" }, faults: [dropKeys(10)] });
    expect(check(r, "ledger-oracle")?.valid).toBe(false);
    expect(check(r, "invariants")).toMatchObject({ valid: "unknown", crashed: true });
    expect(r.evidence.expectation).toMatchObject({
      met: false,
      observed: "undecided",
      why: expect.stringMatching(/detected by ledger-oracle, but a checker crashed.*invariants: checker crashed/),
    });
    expect(r.evidence.reasons).toContainEqual(expect.stringMatching(/^invariants: checker crashed/));
    expect(runVerdict(complete([r.evidence]))).toBe("unknown");
    expect(junitXml(run(r))).toMatch(/failures="1"/);
  });

  it("a fault expected by two checks, one of which crashed, is undecided, not missed", async () => {
    const both = {
      outcome: "detects" as const,
      by: [{ check: "ledger-oracle", reason: "lost" }, { check: "invariants" }],
    };
    const r = await drill({ options: { crashIn: "invariants" }, faults: [dropKeys(10, both)] });
    expect(r.evidence.expectation).toMatchObject({
      met: false,
      observed: "undecided",
      why: expect.stringMatching(/not every expected check decided: invariants crashed/),
    });
    expect(runVerdict(complete([r.evidence]))).toBe("unknown");
  });

  it("a stated reason is matched against the check's words, never against the data an example quotes", async () => {
    const r = await drill({
      faults: [
        corruptValue({ outcome: "detects", by: [{ check: "ledger-oracle", reason: "lost" }] }, "lost and found"),
      ],
    });
    const oracle = check(r, "ledger-oracle");
    expect(oracle?.examples?.[0]).toMatch(/^corrupt [\s\S]*restored: lost and found/);
    expect(r.evidence.expectation).toMatchObject({
      met: false,
      observed: "missed",
      why: expect.stringMatching(/not for the stated reason/),
    });
  });

  it("a probe write that our side could not make is undecided; one the engine refused fails new-write", async () => {
    const crashed = await drill({ options: { crashIn: "probe-write" } });
    expect(crashed.evidence).toMatchObject({ verdict: "unknown", expectation: { met: false, observed: "undecided" } });
    expect(crashed.evidence.reasons[0]).toMatch(/^probe write failed: connect ECONNREFUSED/);
    expect(check(crashed, "new-write")).toBeUndefined();
    const refused = await drill({
      options: { refuseWrite: "ERROR: cannot execute INSERT in a read-only transaction" },
    });
    expect(refused.evidence.verdict).toBe("fail");
    expect(check(refused, "new-write")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/refused a new write: ERROR: cannot execute INSERT/),
    });
  });
});

/** Keeps only the last `keep` keys the snapshot holds (the newest written), as a fault that expects the drill to pass. */
function keepNewest(keep: number): DrillFault<MemoryNode, MemoryArtifact> {
  return {
    name: "keep-newest",
    description: `keep the newest ${keep} key(s) of the snapshot`,
    expect: { outcome: "pass" },
    async apply(artifact) {
      const path = join(artifact.dir, "store.json");
      const entries = JSON.parse(await readFile(path, "utf8")) as unknown[];
      await writeFile(path, JSON.stringify(keep === 0 ? [] : entries.slice(-keep)));
      return { fault: "keep-newest", target: "store.json", detail: { kept: Math.min(keep, entries.length) } };
    },
  };
}

describe("drill lifecycle: RPO and atomicity", () => {
  // Each writer deletes every key it creates with its next op: many keys' last write is a delete.
  const DELETES = { options: { deletes: true }, workload: UNDER_LOAD, targets: { rpoMs: 60_000 } };

  it("a restore that lost everything has no RPO and misses its target, however many keys were deleted anyway", async () => {
    const r = await drill({ ...DELETES, faults: [keepNewest(0)] });
    expect(r.evidence.integrity.restored?.count).toBe(0);
    expect(r.evidence.workload?.ok).toBeGreaterThan(UNDER_LOAD.leadInOps);
    expect(r.evidence.achieved.rpoMs).toBeNull();
    expect(check(r, "rpo-target")).toMatchObject({ valid: false, summary: expect.stringMatching(/^RPO unknown/) });
  });

  it("a nearly empty restore measures its RPO back to the oldest write it lost, and misses its target", async () => {
    const r = await drill({ ...DELETES, targets: { rpoMs: 1 }, faults: [keepNewest(1)] });
    expect(r.evidence.integrity.restored?.count).toBe(1);
    // The first load batch is lost: the data lost reaches back to its acknowledgement, whatever the one key kept says.
    const ledger = (await readFile(`${r.dir}/ledger.jsonl`, "utf8"))
      .trim()
      .split("\n")
      .map((l): LedgerEntry => JSON.parse(l));
    const disaster = Math.max(...ledger.filter((e) => e.outcome === "ok").map((e) => e.completeAt));
    // The oracle reads the ledger's times to the microsecond (toFixed(3)); the disaster is the ledger's own time.
    expect(r.evidence.achieved.rpoMs).toBe(
      Math.round((disaster - Number(ledger[0]!.completeAt.toFixed(3))) * 1000) / 1000,
    );
    expect(check(r, "rpo-target")).toMatchObject({ valid: false, summary: expect.stringMatching(/exceeds target/) });
  });

  it("half of one load batch restored is caught by the atomicity check, which a scenario can name", async () => {
    // The load writes 100 keys per ledger entry; the fault drops the first 50.
    const r = await drill({
      faults: [dropKeys(50, { outcome: "detects", by: [{ check: "atomicity", reason: "restored in part" }] })],
    });
    expect(r.evidence.expectation).toMatchObject({ outcome: "detects", met: true, observed: "detected" });
    expect(check(r, "atomicity")).toMatchObject({
      valid: false,
      details: { torn: 1 },
      examples: ["torn entry #0 (load)\n  applied on k/00000050, not on k/00000000"],
    });
  });
});

describe("drill lifecycle: seams", () => {
  it("an offline backup drains the writers, reads the source before the stop, and restores it exactly", async () => {
    const r = await drill({ options: { backupMode: "offline" }, workload: UNDER_LOAD });
    expect(r.evidence.backup.mode).toBe("offline");
    expect(check(r, "exact-equivalence")?.valid).toBe(true);
    expect(r.evidence.achieved.writesLost).toEqual({ insideRecoveryPoint: 0, afterRecoveryPoint: 0 });
    const ledger = (await readFile(`${r.dir}/ledger.jsonl`, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as LedgerEntry);
    const backupStart = Date.parse(r.evidence.scope.recoveryPoint.backupStartedAt) - Date.parse(r.evidence.startedAt);
    expect(ledger.filter((e) => e.invokeAt > backupStart + 1)).toEqual([]);
  });

  it("a stop-copy-start backup: writers run through the stop, refused while the node is down, accepted after the restart and lost by design", async () => {
    // A tail that outlasts the writers' back-off after the restart, on a busy machine too.
    const r = await drill({ options: { backupMode: "stop-copy-start" }, workload: { ...UNDER_LOAD, tailMs: 1_000 } });
    expect(r.evidence.backup.mode).toBe("stop-copy-start");
    expect(r.evidence.verdict).toBe("pass");
    // Not read before the stop, unlike an offline backup: under load the ledger alone judges the restored state.
    expect(r.evidence.integrity.source).toBeNull();
    expect(r.evidence.achieved.writesLost?.insideRecoveryPoint).toBe(0);
    expect(r.evidence.achieved.writesLost?.afterRecoveryPoint).toBeGreaterThan(0);
    const ledger = (await readFile(`${r.dir}/ledger.jsonl`, "utf8"))
      .trim()
      .split("\n")
      .map((l): LedgerEntry => JSON.parse(l));
    const cut = Date.parse(r.evidence.scope.recoveryPoint.backupEndedAt) - Date.parse(r.evidence.startedAt);
    const afterCut = ledger.filter((e) => e.op !== "load" && e.invokeAt > cut + 1);
    expect(afterCut.some((e) => e.outcome !== "ok")).toBe(true);
    expect(afterCut.some((e) => e.outcome === "ok")).toBe(true);
  });

  it("a node of several containers lists every image in the evidence", async () => {
    const images = [
      { ref: "postgres:15", id: "sha256:aa", source: "official" as const },
      { ref: "mongo:7", id: "sha256:bb", source: "official" as const },
    ];
    const r = await drill({ options: { images } });
    expect(r.evidence.scope.images.map((i) => i.ref)).toEqual(["postgres:15", "mongo:7"]);
    expect(r.evidence.scope.restoreTarget.images).toHaveLength(2);
  });

  it("an interrupted drill stops, says so, and leaves evidence marked interrupted", async () => {
    const interrupt = new AbortController();
    const slow = { ...UNDER_LOAD, maxOps: 1_000_000, maxMs: 60_000, leadInOps: 1_000_000 };
    setTimeout(() => interrupt.abort("SIGINT"), 200);
    const started = Date.now();
    const r = await drill({ workload: slow, signal: interrupt.signal });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.evidence).toMatchObject({
      verdict: "unknown",
      interrupted: "interrupted by SIGINT",
      expectation: { met: false },
    });
    expect(r.evidence.phases.at(-1)).toMatchObject({ name: "backup", counts: { error: "interrupted by SIGINT" } });
  });
});

describe("drill lifecycle: evidence", () => {
  it("every verdict path writes evidence that matches the JSON Schema", async () => {
    const schema = JSON.parse(await readFile("schemas/run-evidence.schema.json", "utf8"));
    const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats.default(ajv);
    const validate = ajv.compile({ $schema: schema.$schema, $defs: schema.$defs, $ref: "#/$defs/drill" });
    const paths = [
      await drill({ workload: UNDER_LOAD }),
      await drill({ options: { backupMode: "stop-copy-start" }, workload: UNDER_LOAD }),
      await drill({ faults: [dropKeys(5)] }),
      await drill({ options: { crashIn: "restore" } }),
      await drill({
        options: { refuseRestore: "refused" },
        faults: [engineOption("refused", { outcome: "refuses", reason: "refused" })],
      }),
      await drill({
        options: { failingBackups: 1 },
        faults: [{ ...engineOption("retry", { outcome: "restores", failedBackups: ["copy"] }), backupAttempts: 2 }],
      }),
    ];
    for (const r of paths)
      expect(
        validate(r.evidence),
        `${r.evidence.expectation.why}: ${JSON.stringify(validate.errors?.slice(0, 3))}`,
      ).toBe(true);
  });
});
