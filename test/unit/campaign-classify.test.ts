import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import type { Evidence } from "../../harness/evidence.ts";
import { judge } from "../../harness/expectation.ts";
import { classify, isCaught, CAMPAIGN_OUTCOMES } from "../../harness/campaign/classify.ts";
import { KEPT_DAMAGED_COPY, runCampaign } from "../../harness/campaign/run.ts";
import { runDrill, type DrillResult } from "../../harness/drill.ts";
import { campaignTable, markdownTable } from "../../harness/campaign/table.ts";
import { campaignEvidence } from "../../harness/campaign/report.ts";
import { MemoryEngine, type MemoryArtifact, type MemoryNode } from "../../engines/memory/index.ts";
import type { DrillRuntime, RestoreResult } from "../../harness/engine.ts";
import { makeTempDir, oracleDetailsWith } from "./support.ts";

type Facts = Pick<Evidence, "verdict" | "checks" | "reasons" | "restoreAttempts" | "faults">;
const ok = (name: string): CheckResult => ({ name, valid: true, summary: `${name} held` });
const bad = (name: string, summary = `${name} broke`, details?: object): CheckResult => ({
  name,
  valid: false,
  summary,
  ...(details ? { details } : {}),
});
const fault = (name: string, detail: Record<string, unknown>): Facts["faults"][number] => ({
  fault: name,
  target: "x",
  detail,
  expected: "caught-or-harmless",
  observed: "passed",
});
const facts = (checks: CheckResult[], more: Partial<Facts> = {}): Facts => ({
  verdict: checks.some((c) => c.valid === false)
    ? "fail"
    : checks.some((c) => c.valid === "unknown")
      ? "unknown"
      : "pass",
  checks,
  reasons: checks.filter((c) => c.valid === false).map((c) => c.summary),
  restoreAttempts: [{ ok: true, summary: "up", durationMs: 1 }],
  faults: [fault("flip-bytes", { flips: [{ before: "7f" }] })],
  ...more,
});
const up = [
  ok("preflight:x"),
  ok("restore"),
  ok("artifact-untouched"),
  ok("read-back"),
  ok("ledger-oracle"),
  ok("invariant:total"),
  ok("new-write"),
];
const replace = (name: string, c: CheckResult) => up.map((x) => (x.name === name ? c : x));

describe("campaign: classification of one fault's drill", () => {
  it("names the first catcher in the drill's order", () => {
    expect(classify(facts([...replace("preflight:x", bad("preflight:x")), bad("ledger-oracle")])).outcome).toBe(
      "preflight",
    );
    const refused = facts(replace("restore", bad("restore", "engine did not come up")), {
      restoreAttempts: [{ ok: false, summary: "PANIC: could not locate a valid checkpoint record", durationMs: 1 }],
    });
    expect(classify(refused)).toEqual({
      outcome: "refused",
      by: "restore",
      why: "PANIC: could not locate a valid checkpoint record",
    });
    expect(classify(facts(replace("read-back", bad("read-back")))).outcome).toBe("oracle");
    expect(
      classify(
        facts(replace("ledger-oracle", bad("ledger-oracle", "3 lost", oracleDetailsWith({ lost: 3, "torn-cut": 0 })))),
      ).outcome,
    ).toBe("oracle");
    expect(
      classify(
        facts(
          replace("ledger-oracle", bad("ledger-oracle", "1 torn-cut", oracleDetailsWith({ lost: 0, "torn-cut": 1 }))),
        ),
      ).outcome,
    ).toBe("cut");
    expect(
      classify(
        facts(
          replace(
            "ledger-oracle",
            bad("ledger-oracle", "torn and lost", oracleDetailsWith({ lost: 2, "torn-cut": 1 })),
          ),
        ),
      ).outcome,
    ).toBe("oracle");
    expect(classify(facts(replace("invariant:total", bad("invariant:total")))).outcome).toBe("invariant");
    expect(classify(facts(replace("new-write", bad("new-write")))).by).toBe("new-write");
  });

  it("a refusal that did not prove the backup untouched is unknown, never caught", () => {
    const checks = replace("restore", bad("restore")).map((c) =>
      c.name === "artifact-untouched" ? bad("artifact-untouched", "the restore changed the backup") : c,
    );
    const r = classify(facts(checks));
    expect(r.outcome).toBe("unknown");
    expect(isCaught(r.outcome)).toBe(false);
    expect(
      classify(facts(replace("restore", bad("restore")).filter((c) => c.name !== "artifact-untouched"))).outcome,
    ).toBe("unknown");
  });

  it("an undecided drill is unknown whatever else failed; unknown and MISSED are never caught", () => {
    expect(
      classify({ ...facts([bad("ledger-oracle")]), verdict: "unknown", reasons: ["restore failed: ECONNRESET"] }),
    ).toMatchObject({ outcome: "unknown", why: "undecided: restore failed: ECONNRESET" });
    expect(CAMPAIGN_OUTCOMES.filter(isCaught)).toEqual(["refused", "preflight", "oracle", "cut", "invariant"]);
  });

  it("a pass is harmless only with a clean deep verification, MISSED when it finds damage, unknown without it", () => {
    expect(classify(facts(up))).toMatchObject({ outcome: "unknown", by: null });
    expect(classify(facts([...up, ok("deep-verify")]))).toMatchObject({ outcome: "harmless", by: "deep-verify" });
    expect(classify(facts([...up, bad("deep-verify", "pg_amcheck found corruption")]))).toMatchObject({
      outcome: "MISSED",
      why: expect.stringMatching(/pg_amcheck found corruption/),
    });
    expect(
      classify({ ...facts([...up, { name: "deep-verify", valid: "unknown", summary: "no verifier" }]) }).outcome,
    ).toBe("unknown");
  });

  it("says why a harmless fault did no harm where the fault tells", () => {
    const zeros = facts([...up, ok("deep-verify")], {
      faults: [fault("flip-bytes", { flips: [{ before: "00" }, { before: "00" }] })],
    });
    expect(classify(zeros).why).toMatch(/were zeros: preallocated or free space/);
    expect(
      classify(facts([...up, ok("deep-verify")], { faults: [fault("zero-block", { wasZero: true })] })).why,
    ).toMatch(/zero already/);
    expect(
      classify(facts([...up, ok("deep-verify")], { faults: [fault("older-file", { identical: true })] })).why,
    ).toMatch(/identical/);
    expect(classify(facts([...up, ok("deep-verify")])).why).toMatch(/^deep verification clean: deep-verify held/);
  });

  it("judge agrees with the classification on what is met", () => {
    const judged = (f: Facts) =>
      judge(
        { outcome: "caught-or-harmless" },
        {
          verdict: f.verdict,
          checks: f.checks,
          restoreAttempts: f.restoreAttempts,
          nodeUp: f.restoreAttempts.some((a) => a.ok),
          failedBackups: [],
        },
      );
    expect(judged(facts([...up, ok("deep-verify")]))).toMatchObject({ met: true, observed: "passed" });
    expect(judged(facts([...up, bad("deep-verify")]))).toMatchObject({ met: false, observed: "missed" });
    expect(judged(facts(up))).toMatchObject({ met: false, observed: "undecided" });
    expect(judged(facts(replace("ledger-oracle", bad("ledger-oracle"))))).toMatchObject({
      met: true,
      observed: "detected",
    });
    const refused = facts(replace("restore", bad("restore")), {
      restoreAttempts: [{ ok: false, summary: "no", durationMs: 1 }],
    });
    expect(judged(refused)).toMatchObject({ met: true, observed: "refused" });
    expect(judged({ ...refused, checks: refused.checks.filter((c) => c.name !== "artifact-untouched") })).toMatchObject(
      { met: false, observed: "undecided" },
    );
  });
});

describe("campaign: the table", () => {
  it("counts per file kind and outcome; caught excludes unknown and MISSED", () => {
    const t = campaignTable([
      { kind: "WAL", outcome: "refused" },
      { kind: "WAL", outcome: "harmless" },
      { kind: "heap", outcome: "oracle" },
      { kind: "heap", outcome: "MISSED" },
      { kind: "heap", outcome: "unknown" },
    ]);
    expect(t.kinds.map((k) => [k.kind, k.total, k.counts.MISSED])).toEqual([
      ["heap", 3, 1],
      ["WAL", 2, 0],
    ]);
    expect(t.totals).toMatchObject({ faults: 5, caught: 2, harmless: 1, unknown: 1, MISSED: 1 });
    const md = markdownTable(t).split("\n");
    expect(md[0]).toBe(
      "| file kind | refused | preflight | oracle | cut | invariant | harmless | unknown | MISSED | total |",
    );
    expect(md.at(-1)).toBe("| **all** | 1 | 0 | 1 | 0 | 0 | 1 | 1 | 1 | 5 |");
  });
});

/**
 * A memory engine whose backup also holds `index.json` (a second copy of the keys the restore loads beside the store
 * but no drill check reads) and `padding.bin` (zeros nothing reads): its deep verifier compares the index with the store.
 */
class IndexedMemory extends MemoryEngine {
  readonly indexes = new WeakMap<MemoryNode, string>();

  override async backup(node: MemoryNode, dir: string, rt: DrillRuntime): Promise<MemoryArtifact> {
    const artifact = await super.backup(node, dir, rt);
    await writeFile(join(dir, "index.json"), await readFile(join(dir, "store.json")));
    await writeFile(join(dir, "padding.bin"), Buffer.alloc(8192));
    return artifact;
  }

  override async restore(artifact: MemoryArtifact): Promise<RestoreResult<MemoryNode>> {
    if (!(await readFile(join(artifact.dir, "store.json")).catch(() => null)))
      return {
        attempts: [{ ok: false, summary: "store.json missing: refusing to start", durationMs: 1 }],
        toolErrors: [],
      };
    const restored = await super.restore(artifact);
    if (restored.node) this.indexes.set(restored.node, await readFile(join(artifact.dir, "index.json"), "utf8"));
    return restored;
  }

  async deepVerify(node: MemoryNode, restored: StateSummary): Promise<CheckResult> {
    const index = this.indexes.get(node) ?? "";
    const same = index === JSON.stringify([...node.store].filter(([k]) => k !== "probe"));
    return {
      name: "deep-verify",
      valid: same,
      summary: same ? `index agrees with the ${restored.count} records` : "the index disagrees with the store",
    };
  }
}

describe("campaign: one backup, each fault on a copy (memory engine)", () => {
  const run = async (engine: MemoryEngine, only: Parameters<typeof runCampaign>[0]["only"]) =>
    runCampaign({
      engine,
      rows: 300,
      seed: 5,
      faults: 0,
      only,
      reportsDir: await makeTempDir(),
      sink: { line: () => undefined },
      replay: (seed, f) => ({ command: `replay ${seed} ${f.index}`, args: null }),
    });

  it("tells harmless from MISSED with the deep verifier, catches a refusal and a preflight failure, and leaves the base untouched", async () => {
    const engine = new IndexedMemory();
    const r = await run(engine, [
      { index: 1, seed: 11, kind: "flip-bytes", target: "padding.bin", flips: [{ offset: 100, mask: 0x40 }] },
      { index: 2, seed: 12, kind: "truncate", target: "index.json", size: 10 },
      { index: 3, seed: 13, kind: "delete-file", target: "store.json" },
      { index: 4, seed: 14, kind: "zero-block", target: "padding.bin", offset: 4096, length: 4096 },
    ]);
    expect(r.rows.map((x) => [x.index, x.outcome, x.by])).toEqual([
      [1, "harmless", "deep-verify"],
      [2, "MISSED", "deep-verify"],
      [3, "preflight", "preflight:store-file"],
      [4, "harmless", "deep-verify"],
    ]);
    expect(r.rows[0]!.why).toMatch(/were zeros/);
    expect(r.base.untouched).toBe(true);
    expect(r.drills.map((d) => d.evidence.expectation.met)).toEqual([true, false, true, true]);
    expect(r.drills[2]!.evidence.checks.find((c) => c.name === "artifact-untouched")?.valid).toBe(true);
    expect(r.drills.every((d) => d.evidence.artifacts.length === 3)).toBe(true);
    // The MISSED fault's damaged copy stays beside its evidence to be studied; the others' go.
    expect((await stat(join(r.drills[1]!.dir, KEPT_DAMAGED_COPY, "index.json"))).size).toBe(10);
    for (const i of [0, 2, 3]) expect(existsSync(join(r.drills[i]!.dir, KEPT_DAMAGED_COPY))).toBe(false);
    const evidence = campaignEvidence(
      r,
      { engine: "memory", version: "1", method: "snapshot", rows: 300, startedAt: "t", planned: 4 },
      (row) => `replay ${row.index}`,
    );
    expect([evidence.verdict, evidence.table.totals.caught, evidence.table.totals.MISSED]).toEqual(["fail", 1, 1]);
  });

  it("a store.json the store cannot parse is the store's refusal, not an error of dr-drill", async () => {
    const r = await run(new MemoryEngine(), [
      { index: 1, seed: 1, kind: "flip-bytes", target: "store.json", flips: [{ offset: 0, mask: 0x01 }] },
      { index: 2, seed: 2, kind: "truncate", target: "store.json", size: 40 },
    ]);
    expect(r.rows.map((x) => [x.outcome, x.by])).toEqual([
      ["refused", "restore"],
      ["refused", "restore"],
    ]);
    expect(r.rows[0]!.why).toMatch(/refuses to load store\.json: not valid JSON/);
    expect(r.drills.every((d) => d.evidence.checks.every((c) => !c.crashed))).toBe(true);
  });

  it("an engine without a deep verifier leaves a pass unknown, and a fault that cannot be applied is unknown", async () => {
    const r = await run(new MemoryEngine(), [
      { index: 1, seed: 1, kind: "delete-file", target: "nothing-here" },
      { index: 2, seed: 2, kind: "older-file", target: "store.json" },
    ]);
    expect(r.rows.map((x) => x.outcome)).toEqual(["unknown", "unknown"]);
    expect(r.rows[0]!.why).toMatch(/could not be applied/);
    expect(r.rows[1]).toMatchObject({ by: "deep-verify", why: expect.stringMatching(/memory has no deep verifier/) });
    expect(existsSync(join(r.drills[1]!.dir, KEPT_DAMAGED_COPY, "store.json"))).toBe(true);
    const evidence = campaignEvidence(
      r,
      { engine: "memory", version: "1", method: "snapshot", rows: 300, startedAt: "t", planned: 2 },
      () => "",
    );
    expect(evidence.verdict).toBe("unknown");
  });
});

describe("a scenario drill asked for the deep verification (what the clean drill files use to prove a verifier clean)", () => {
  const drill = async (engine: MemoryEngine, deepVerify: boolean) =>
    runDrill({
      scenario: "unit",
      engine,
      rows: 300,
      seed: 7,
      reportsDir: await makeTempDir(),
      replayCommand: (seed) => `replay ${seed}`,
      sink: { line: () => undefined },
      deepVerify,
    });
  const deepCheck = (r: DrillResult) => r.evidence.checks.find((c) => c.name === "deep-verify");

  it("runs the engine's deep verification after a passing restore and records it; not asked, it does not run", async () => {
    const asked = await drill(new IndexedMemory(), true);
    expect(deepCheck(asked)).toMatchObject({
      valid: true,
      summary: expect.stringMatching(/^index agrees with the \d+/),
    });
    expect(asked.evidence.verdict).toBe("pass");
    expect(deepCheck(await drill(new IndexedMemory(), false))).toBeUndefined();
  });

  it("damage the deep verification finds fails the drill; an engine without a verifier leaves it undecided", async () => {
    class StaleIndex extends IndexedMemory {
      override async backup(node: MemoryNode, dir: string, rt: DrillRuntime): Promise<MemoryArtifact> {
        const artifact = await super.backup(node, dir, rt);
        await writeFile(join(dir, "index.json"), "[]");
        return artifact;
      }
    }
    const damaged = await drill(new StaleIndex(), true);
    expect(deepCheck(damaged)).toMatchObject({ valid: false, summary: "the index disagrees with the store" });
    expect(damaged.evidence.verdict).toBe("fail");
    const without = await drill(new MemoryEngine(), true);
    expect(deepCheck(without)).toMatchObject({
      valid: "unknown",
      summary: expect.stringMatching(/has no deep verifier/),
    });
    expect(without.evidence.verdict).toBe("unknown");
  });
});
