import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runDrillInto, type DrillResult, type RestoreTarget, type SourceOptions } from "../../harness/drill.ts";
import {
  MemoryEngine,
  dropKeys,
  type MemoryArtifact,
  type MemoryNode,
  type MemoryOp,
} from "../../engines/memory/index.ts";
import { Recording } from "./recording-engine.ts";
import { makeTempDir } from "./support.ts";

const UNDER_LOAD = { writers: 2, maxOps: 400, maxMs: 10_000, leadInOps: 50, tailMs: 30 };
type Target = RestoreTarget<MemoryOp, MemoryNode, MemoryArtifact>;

const into = (engine: MemoryEngine): Target => ({
  engine,
  replayCommand: (seed) => `replay ${engine.version} ${seed}`,
});

async function drillInto(
  engine: MemoryEngine,
  targets: Target[],
  opts: Partial<SourceOptions<MemoryOp, MemoryNode, MemoryArtifact>> = {},
): Promise<DrillResult[]> {
  return runDrillInto(
    {
      scenario: "unit",
      engine,
      rows: 300,
      seed: 7,
      reportsDir: await makeTempDir(),
      sink: { line: () => undefined },
      ...opts,
    },
    targets,
  );
}

const phaseNames = (r: DrillResult) => r.evidence.phases.map((p) => p.name);
const ledgerOf = (r: DrillResult) => readFile(join(r.dir, "ledger.jsonl"), "utf8");

describe("one backup restored into several targets", () => {
  it("takes one backup and gives each target its own drill citing the same artifact and ledger", async () => {
    const source = new Recording("1");
    const [a, b] = [new Recording("2"), new Recording("3")];
    const results = await drillInto(source, [into(a), into(b)], { workload: UNDER_LOAD });
    expect(source.backups).toBe(1);
    expect(results.map((r) => r.evidence.drillId)).toEqual([
      "unit-memory1-snapshot-to2-7",
      "unit-memory1-snapshot-to3-7",
    ]);
    const [ra, rb] = results;
    expect(ra!.dir).not.toBe(rb!.dir);
    for (const r of results) {
      expect(r.evidence).toMatchObject({ verdict: "pass", expectation: { met: true }, scope: { version: "1" } });
      expect(JSON.parse(await readFile(r.evidencePath, "utf8")).drillId).toBe(r.evidence.drillId);
      expect(phaseNames(r).filter((n) => n === "backup" || n === "restore")).toEqual(["backup", "restore"]);
      expect(existsSync(join(r.dir, "work"))).toBe(false);
    }
    expect(results.map((r) => r.evidence.scope.restoreTarget.version)).toEqual(["2", "3"]);
    expect(rb!.evidence.artifacts.length).toBeGreaterThan(0);
    expect(rb!.evidence.artifacts).toEqual(ra!.evidence.artifacts);
    expect(rb!.evidence.phases.find((p) => p.name === "backup")).toEqual(
      ra!.evidence.phases.find((p) => p.name === "backup"),
    );
    expect(rb!.evidence.phases.find((p) => p.name === "restore")).not.toEqual(
      ra!.evidence.phases.find((p) => p.name === "restore"),
    );
    expect((await ledgerOf(rb!)).length).toBeGreaterThan(0);
    expect(await ledgerOf(rb!)).toBe(await ledgerOf(ra!));
    expect(rb!.evidence.replay.command).toBe("replay 3 7");
    // Each restore is labelled with its own drill; the source side with the first one's.
    expect([source.labels, a.labels, b.labels]).toEqual([
      [ra!.evidence.drillId],
      [ra!.evidence.drillId],
      [rb!.evidence.drillId],
    ]);
    expect([...source.nodes, ...a.nodes, ...b.nodes].map((n) => n.running)).toEqual([false, false, false]);
  });

  it("measures each target's RTO without the restores before it", async () => {
    const slow = new Recording("2", {}, () => new Promise((resolve) => setTimeout(resolve, 400)));
    const [first, second] = await drillInto(new MemoryEngine("1"), [into(slow), into(new MemoryEngine("3"))]);
    expect(first!.evidence.achieved.rtoMs).toBeGreaterThanOrEqual(400);
    expect(second!.evidence.achieved.rtoMs).toBeGreaterThan(0);
    expect(second!.evidence.achieved.rtoMs).toBeLessThan(400);
  });

  it("a target whose restore throws is undecided while the next one still restores and passes", async () => {
    const [crashed, next] = await drillInto(new MemoryEngine("1"), [
      into(new MemoryEngine("2", { crashIn: "restore" })),
      into(new MemoryEngine("3")),
    ]);
    expect(crashed!.evidence).toMatchObject({ verdict: "unknown", expectation: { met: false, observed: "undecided" } });
    expect(crashed!.evidence.reasons[0]).toMatch(/^restore failed: connect ENOENT/);
    expect(next!.evidence).toMatchObject({ verdict: "pass", expectation: { met: true } });
  });

  it("a harness error on the source side leaves every target undecided, even one expecting a detection", async () => {
    const source = new Recording("1", { crashIn: "backup" });
    const results = await drillInto(source, [into(new MemoryEngine("2")), into(new MemoryEngine("3"))], {
      faults: [dropKeys(10)],
    });
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.evidence).toMatchObject({ verdict: "unknown", expectation: { outcome: "detects", met: false } });
      expect(r.evidence.reasons[0]).toMatch(/^backup failed: ECONNRESET/);
      expect(phaseNames(r)).not.toContain("restore");
      expect(existsSync(r.evidencePath) && existsSync(join(r.dir, "ledger.jsonl"))).toBe(true);
    }
    expect(source.nodes.map((n) => n.running)).toEqual([false]);
  });

  it("a restore that writes into the backup leaves the next target undecided, not restored from a changed backup", async () => {
    const scribbler = new Recording("2", {}, (artifact) => writeFile(join(artifact.dir, "written-by-restore"), "x"));
    const [first, second] = await drillInto(new MemoryEngine("1"), [into(scribbler), into(new MemoryEngine("3"))]);
    expect(first!.evidence.verdict).toBe("pass");
    expect(second!.evidence).toMatchObject({ verdict: "unknown", expectation: { met: false } });
    expect(second!.evidence.reasons[0]).toMatch(
      /^artifact unchanged failed: the backup changed on the host .*written-by-restore/,
    );
    expect(phaseNames(second!)).not.toContain("restore");
  });
});

describe("one backup, several targets: interruption", () => {
  it("interrupted on the source side, every target says so and none restores", async () => {
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort("SIGINT"), 200);
    const started = Date.now();
    const slow = { ...UNDER_LOAD, maxOps: 1_000_000, maxMs: 60_000, leadInOps: 1_000_000 };
    const results = await drillInto(new MemoryEngine("1"), [into(new MemoryEngine("2")), into(new MemoryEngine("3"))], {
      workload: slow,
      signal: interrupt.signal,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const r of results) {
      expect(r.evidence).toMatchObject({
        verdict: "unknown",
        interrupted: "interrupted by SIGINT",
        expectation: { met: false },
      });
      expect(phaseNames(r)).not.toContain("restore");
    }
  });

  it("interrupted during the first restore, the later targets are not restored and say so", async () => {
    const interrupt = new AbortController();
    const interrupting = new Recording("2", {}, async () => interrupt.abort("SIGTERM"));
    const later = new Recording("3");
    const results = await drillInto(new MemoryEngine("1"), [into(interrupting), into(later)], {
      signal: interrupt.signal,
    });
    for (const r of results)
      expect(r.evidence).toMatchObject({
        verdict: "unknown",
        interrupted: "interrupted by SIGTERM",
        expectation: { met: false },
      });
    expect(later.labels).toEqual([]);
  });
});
