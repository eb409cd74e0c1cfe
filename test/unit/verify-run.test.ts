import { existsSync } from "node:fs";
import { mkdtemp, truncate, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createDrillRuntime } from "../../harness/drill.ts";
import { MemoryEngine, type MemoryNode } from "../../engines/memory/engine.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import { resolveArtifact } from "../../harness/artifact-source/index.ts";
import { verifyScenario, type VerifyRequest } from "../../harness/verify/scenario.ts";
import { rtoCheck, type VerifyResult } from "../../harness/verify/run.ts";

// The verify's lifecycle on the in-process engine: no Docker, the same judgement as a real engine's.
const MEMORY_VERIFY = verifyScenario({
  methods: ["snapshot"],
  describe: async () => ({ method: "snapshot", sourceVersion: "1" }),
  engine: (version) => new MemoryEngine(version),
  artifact: async (dir) => ({ dir, method: "snapshot", tool: "memory", finishedAt: 0, sourceVersion: "1" }),
});
const quiet = { line: () => undefined };

/** An engine whose deep verifier stops the node, as Neo4j's offline consistency check does. */
class StoppingVerifier extends MemoryEngine {
  async deepVerify(node: MemoryNode): Promise<CheckResult> {
    node.running = false;
    return { name: "deep-verify", valid: true, summary: "checked offline; the store is stopped" };
  }
}
const STOPPING_VERIFY = verifyScenario({
  methods: ["snapshot"],
  describe: async () => ({ method: "snapshot" }),
  engine: (version) => new StoppingVerifier(version),
  artifact: async (dir) => ({ dir, method: "snapshot", tool: "memory", finishedAt: 0, sourceVersion: "1" }),
});

/** A backup of `rows` keys by the memory engine, in a directory of its own. */
async function backupOf(rows: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "verify-run-"));
  const engine = new MemoryEngine();
  const node = await engine.provision();
  for (let i = 0; i < rows; i++) node.put(`k/${i}`, `v${i}`);
  node.put("log/1", "first");
  const { rt } = createDrillRuntime({ runId: "r", drillId: "d", workDir: dir, sink: quiet });
  return (await engine.backup(node, join(dir, "backup"), rt)).dir;
}

async function verifyOf(
  dir: string,
  extra: Partial<VerifyRequest> = {},
  scenario = MEMORY_VERIFY,
): Promise<VerifyResult> {
  return scenario.run({
    artifact: await resolveArtifact(dir, { newest: false, into: dir }),
    versions: ["1"],
    defaultVersion: "1",
    checks: { appendOnly: [], checks: [] },
    images: "offline",
    runId: `run-${Math.random().toString(16).slice(2)}`,
    reportsDir: await mkdtemp(join(tmpdir(), "verify-reports-")),
    sink: quiet,
    ...extra,
  });
}

const named = (r: VerifyResult, name: string) => r.checks.find((c) => c.name === name);

describe("verifyArtifact on the in-process engine", () => {
  it("an intact artifact passes: restored, read back, fingerprinted per group, untouched, RTO measured", async () => {
    const r = await verifyOf(await backupOf(20), { rtoMs: 60_000 });
    expect(r.checks.filter((c) => c.valid !== true)).toEqual([]);
    expect(r.verdict).toBe("pass");
    expect(r.fingerprint).toMatchObject({ k: { count: 20 }, log: { count: 1 } });
    expect(named(r, "artifact-untouched")?.valid).toBe(true);
    expect(named(r, "rto-target")?.valid).toBe(true);
    expect(r.rto.achievedMs).not.toBeNull();
  });

  it("a one-file artifact is staged under its own name and verified; the staging is removed", async () => {
    const reportsDir = await mkdtemp(join(tmpdir(), "verify-reports-"));
    const r = await verifyOf(join(await backupOf(7), "store.json"), { reportsDir });
    expect(r.verdict).toBe("pass");
    expect(r.fingerprint?.k?.count).toBe(7);
    expect(existsSync(join(reportsDir, r.runId, "artifact"))).toBe(false);
  });

  it("the new write comes before a deep verifier that stops the node, so RTO never counts a restart", async () => {
    const r = await verifyOf(await backupOf(5), {}, STOPPING_VERIFY);
    expect(r.undecided).toBeNull();
    expect(r.verdict).toBe("pass");
    expect(r.phases.map((p) => p.name)).toEqual(["preflight", "restore", "check", "probe write", "deep verify"]);
  });

  it("a truncated artifact fails by name, never undecided", async () => {
    const dir = await backupOf(20);
    await truncate(join(dir, "store.json"), 10);
    const r = await verifyOf(dir);
    expect(r.undecided).toBeNull();
    expect(r.verdict).toBe("fail");
    expect(named(r, "restore")?.valid).toBe(false);
  });

  it("--max-age fails artifact-age on an old artifact that restores fine", async () => {
    const dir = await backupOf(5);
    const old = new Date(Date.now() - 30 * 3_600_000);
    await utimes(join(dir, "store.json"), old, old);
    const r = await verifyOf(dir, { maxAgeMs: 26 * 3_600_000 });
    expect(named(r, "artifact-age")?.valid).toBe(false);
    expect(named(r, "restore")?.valid).toBe(true);
    expect(r.verdict).toBe("fail");
  });

  it("--compare-with fails on a group that lost records since the earlier verify", async () => {
    const before = await verifyOf(await backupOf(20));
    const after = await verifyOf(await backupOf(15), {
      compareWith: { from: "last night", fingerprint: before.fingerprint! },
    });
    expect(named(after, "compare-with")).toMatchObject({
      valid: false,
      summary: expect.stringContaining("shrank: k: 20 → 15"),
    });
    expect(after.verdict).toBe("fail");
  });

  it("an RTO over the target, or never reached, fails rto-target", () => {
    expect(rtoCheck(1500, 1000)).toMatchObject({ name: "rto-target", valid: false });
    expect(rtoCheck(null, 1000).summary).toMatch(/RTO unknown/);
    expect(rtoCheck(900, 1000).valid).toBe(true);
  });
});
