import { describe, expect, it } from "vitest";
import { runDrill } from "../../harness/drill.ts";
import type { RestoreResult } from "../../harness/engine.ts";
import { ProcedureFailure } from "../../harness/procedure/step.ts";
import { judgeUserCheck, withUserChecks } from "../../harness/user-checks.ts";
import { MemoryEngine, dropKeys, type MemoryArtifact, type MemoryNode } from "../../engines/memory/index.ts";
import { makeTempDir } from "./support.ts";

/** The in-process engine whose nodes answer one query, `count`: how many records they hold. */
class Counting extends MemoryEngine {
  override async provision(): Promise<MemoryNode> {
    return counting(await super.provision());
  }
  override async restore(artifact: MemoryArtifact): Promise<RestoreResult<MemoryNode>> {
    const restored = await super.restore(artifact);
    return restored.node ? { ...restored, node: counting(restored.node) } : restored;
  }
}
function counting(node: MemoryNode): MemoryNode {
  return Object.assign(node, {
    checkQuery: async (q: string) => (q === "count" ? [[String(node.store.size)]] : [["?"]]),
  });
}

/** A procedure whose backup step failed. */
class FailingBackup extends MemoryEngine {
  override async backup(): Promise<MemoryArtifact> {
    throw new ProcedureFailure("upload", 3, "upload: bucket quota exceeded\n");
  }
}

const drill = async (opts: Partial<Parameters<typeof runDrill>[0]>) =>
  runDrill({
    scenario: "unit",
    engine: new Counting("1"),
    rows: 300,
    seed: 7,
    reportsDir: await makeTempDir(),
    replayCommand: (seed) => `replay ${seed}`,
    sink: { line: () => undefined },
    ...opts,
  });

describe("the user's own checks", () => {
  it.each([
    [{ query: "q", expect: "zero-rows" as const }, [], true],
    [{ query: "q", expect: "zero-rows" as const }, [["order 7 without customer"]], false],
    [{ query: "q", expect: { value: "64" } }, [["64"]], true],
    [{ query: "q", expect: { value: "64" } }, [["63"]], false],
    [{ query: "q", expect: { value: "64" } }, [["64"], ["64"]], false],
  ])("judges %j on %j: %s", (check, rows, valid) => {
    expect(judgeUserCheck("c", check, rows)).toMatchObject({ name: "user:c", valid });
  });

  it("equals-source compares the rows in any order, and is unknown without a source answer at the recovery point", () => {
    const check = { query: "q", expect: "equals-source" as const };
    expect(judgeUserCheck("c", check, [["a"], ["b"]], [["b"], ["a"]]).valid).toBe(true);
    expect(judgeUserCheck("c", check, [["a"]], [["a"], ["b"]]).valid).toBe(false);
    expect(judgeUserCheck("c", check, [["a"]], "the source changed during the backup").valid).toBe("unknown");
  });

  it("each is a check of its own in the evidence, asked of the source around the backup for equals-source", async () => {
    const engine = withUserChecks(new Counting("1"), {
      all: { query: "count", expect: "equals-source" },
      n: { query: "count", expect: { value: "300" } },
    });
    const r = await drill({ engine });
    expect(r.evidence.checks.find((c) => c.name === "user:all")).toMatchObject({ valid: true });
    expect(r.evidence.checks.find((c) => c.name === "user:n")).toMatchObject({
      valid: true,
      summary: '"300", as expected',
    });
    expect(r.evidence.verdict).toBe("pass");
  });

  it("can be the named check a fault expects", async () => {
    const engine = withUserChecks(new Counting("1"), { n: { query: "count", expect: { value: "300" } } });
    const r = await drill({
      engine,
      faults: [dropKeys(10, { outcome: "detects", by: [{ check: "user:n", reason: 'expected "300", got "290"' }] })],
    });
    expect(r.evidence).toMatchObject({ verdict: "fail", expectation: { met: true, observed: "detected" } });
  });
});

describe("a procedure's failed backup step", () => {
  it("is the procedure's failure with its output, a failed drill, never undecided", async () => {
    const r = await drill({ engine: new FailingBackup("1") });
    expect(r.evidence.verdict).toBe("fail");
    expect(r.evidence.checks.find((c) => c.name === "backup")).toMatchObject({
      valid: false,
      summary: "procedure step upload exited 3: upload: bucket quota exceeded",
    });
    expect(r.evidence.expectation).toMatchObject({ met: false });
  });
});
