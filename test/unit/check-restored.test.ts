import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkRestored } from "../../harness/drill/check.ts";
import type { EngineNode } from "../../harness/engine.ts";
import { EngineError } from "../../harness/engine-error.ts";
import { Progress } from "../../harness/progress.ts";
import type { RecordFile } from "../../harness/records.ts";
import { makeTempDir } from "./support.ts";

/** A node whose read-back adds one record, or fails with the engine's word. */
function node(read: "one record" | "refused"): EngineNode<never> {
  const fail = () => Promise.reject(new Error("not used by the check"));
  return {
    images: [],
    load: fail,
    openWorkloadClient: fail,
    probeWrite: fail,
    destroy: () => Promise.resolve(),
    readCanonical: async (into: RecordFile) => {
      if (read === "refused") throw new EngineError("partition is not available");
      await into.add({ key: "t/1", digest: "d1", preview: "" });
    },
  };
}

const quiet = new Progress("[check]", { line: () => undefined });
const WINDOW = { start: 100, end: 200 };

async function check(read: "one record" | "refused", ledger: "written" | "missing") {
  const workDir = await makeTempDir();
  const ledgerPath = join(workDir, "ledger.jsonl");
  if (ledger === "written")
    await writeFile(
      ledgerPath,
      JSON.stringify({
        seq: 0,
        process: "loader",
        op: "load",
        invokeAt: 0,
        completeAt: 10,
        outcome: "ok",
        writes: [{ key: "t/1", digest: "d1" }],
      }) + "\n",
    );
  return checkRestored({
    node: node(read),
    workDir,
    ledgerPath,
    window: WINDOW,
    model: { consistency: "point-in-time" },
    invariants: async () => [],
    p: quiet.phase("check"),
  });
}

// The ledger's side of the oracle is sorted while the state is read back: its outcome must still reach the verdict.
describe("checkRestored", () => {
  it("passes a restored state that holds the ledger's write", async () => {
    const c = await check("one record", "written");
    expect(c.checks.find((x) => x.name === "ledger-oracle")?.valid).toBe(true);
    expect(c.oracle?.keysChecked).toBe(1);
  });

  it("a ledger that cannot be read leaves the oracle undecided (crashed), never passed", async () => {
    const c = await check("one record", "missing");
    expect(c.checks.find((x) => x.name === "ledger-oracle")).toMatchObject({ valid: "unknown", crashed: true });
  });

  it("a refused read-back with an unreadable ledger is the read-back's failure, and nothing is left unhandled", async () => {
    const c = await check("refused", "missing");
    expect(c.checks.find((x) => x.name === "read-back")).toMatchObject({ valid: false });
    expect(c.checks.find((x) => x.name === "ledger-oracle")?.valid).toBe("unknown");
  });
});
