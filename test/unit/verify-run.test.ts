import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, truncate, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createDrillRuntime } from "../../harness/drill.ts";
import { MemoryEngine, type MemoryNode } from "../../engines/memory/engine.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import { resolveArtifact } from "../../harness/artifact-source/index.ts";
import { verifyScenario, type VerifyRequest } from "../../harness/verify/scenario.ts";
import { rtoCheck, type VerifyResult } from "../../harness/verify/run.ts";
import { VERIFICATION_FILE, artifactFiles, verificationOf, writeVerification } from "../../harness/verify/report.ts";
import { ATTESTATION, checkAttestation } from "../../harness/report/attestation.ts";
import { retentionDays } from "../../harness/report/audit.ts";
import { MANIFEST, verifyDirectory } from "../../harness/report/manifest.ts";
import { mainOf } from "./cli-process.ts";

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

describe("the verify record: an auditor's record, kept, signed and attested like a run's report", () => {
  const CI = {
    GITHUB_ACTIONS: "true",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: "acme/backups",
    GITHUB_RUN_ID: "4242",
    GITHUB_ACTOR: "nightly-bot",
  };

  /** A verify of an intact artifact on the in-process engine, written with a fresh key as `dr-drill verify` does. */
  async function signedRecord() {
    const backup = await backupOf(12);
    const artifact = await resolveArtifact(backup, { newest: false, into: backup });
    const startedAt = new Date();
    const r = await verifyOf(backup, { artifact, rtoMs: 60_000, maxAgeMs: 3_600_000, now: startedAt });
    const v = verificationOf(r, artifact, await artifactFiles(artifact, true), {
      startedAt,
      endedAt: new Date(),
      comparedWith: null,
      maxAgeMs: 3_600_000,
      retention: retentionDays(400 * 86_400_000, "--retention"),
      env: CI,
    });
    const keys = generateKeyPairSync("ed25519");
    expect(await writeVerification(r.dir, v, keys.privateKey, {})).toEqual({ signed: true });
    const publicPem = join(r.dir, "..", "public.pem");
    await writeFile(publicPem, keys.publicKey.export({ type: "spki", format: "pem" }));
    return { r, v, artifact, keys, publicPem };
  }

  it("states what was tested and its age, where, who ran it, each check, RTO against target, retention; restorable, not 'nothing lost'", async () => {
    const { r, v, artifact } = await signedRecord();
    expect(r.verdict).toBe("pass");
    const said = v.statement.join("\n");
    expect(v.statement[0]).toContain(`Artifact tested: ${artifact.origin}, `);
    expect(v.statement[0]).toContain(`SHA-256 ${artifact.sha256}; last written ${v.artifact.modifiedAt ?? "?"}, `);
    expect(v.statement[0]).toMatch(/ old when the test started, within the stated maximum age of 1\.0 h\.$/);
    expect(said).toContain(`restored into 1 in a fresh container from ${r.images[0]!.ref} (${r.images[0]!.id})`);
    expect(said).toMatch(/RTO [\d.]+m?s against a target of 60\.0s: met/);
    for (const c of r.checks) expect(said).toContain(`${r.verifyId}: check ${c.name} passed: ${c.summary}`);
    expect(said).toContain("in the CI job https://github.com/acme/backups/actions/runs/4242 started by nightly-bot");
    expect(said).toMatch(/Keep this report until \d{4}-\d{2}-\d{2} \(400 days, set by --retention\)\./);
    expect(v.retention).toMatchObject({ days: 400, source: "--retention" });
    expect(said).toContain("a pass shows the artifact restorable and internally consistent");
    // No sentence claims completeness: without a ledger nothing shows that no write was lost.
    expect(v.statement.filter((s) => /nothing was lost|no write was lost|lost: 0/.test(s))).toEqual([
      expect.stringContaining("not that nothing was lost"),
    ]);
  });

  it("its attestation verifies with the key (verify-report exits 0) and fails after a one-byte change of verification.json", async () => {
    const { r, v, artifact, keys, publicPem } = await signedRecord();
    expect(await verifyDirectory(r.dir, keys.publicKey)).toMatchObject({
      ok: true,
      signature: "valid",
      attestation: "valid",
    });
    const envelope = JSON.parse(await readFile(join(r.dir, ATTESTATION), "utf8"));
    const predicate = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")).predicate;
    expect(predicate).toMatchObject({
      runId: r.runId,
      verdict: "pass",
      artifactsTested: [{ origin: artifact.origin, sha256: artifact.sha256, maxAgeMs: 3_600_000 }],
      drills: [{ drillId: r.verifyId, rto: { targetMs: 60_000 }, expectationMet: true }],
      retention: { days: 400 },
      statement: v.statement,
    });
    expect((await mainOf(["verify-report", r.dir, "--public-key", publicPem])).code).toBe(0);

    const record = join(r.dir, VERIFICATION_FILE);
    const bytes = await readFile(record);
    const at = bytes.indexOf('"verdict": "pass"') + '"verdict": "'.length;
    bytes[at] = "P".charCodeAt(0);
    await writeFile(record, bytes);
    expect((await verifyDirectory(r.dir, keys.publicKey)).problems).toEqual([`changed: ${VERIFICATION_FILE}`]);
    const cli = await mainOf(["verify-report", r.dir, "--public-key", publicPem]);
    expect(cli.code).toBe(1);
    // A manifest rewritten to match the change is not signed, and the attestation still names the old digest.
    const digest = createHash("sha256").update(bytes).digest("hex");
    const forged = (await readFile(join(r.dir, MANIFEST), "utf8")).replace(
      new RegExp(`^[0-9a-f]{64}(?= {2}${VERIFICATION_FILE.replace(".", "\\.")}$)`, "m"),
      digest,
    );
    expect(checkAttestation(await readFile(join(r.dir, ATTESTATION), "utf8"), forged, keys.publicKey)).toEqual([
      `${ATTESTATION}: ${VERIFICATION_FILE} has another digest in the attestation than in the manifest`,
    ]);
  });
});
