import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DrillResult } from "../../harness/drill.ts";
import type { Evidence } from "../../harness/evidence.ts";
import type { PlannedDrill } from "../../harness/report/run-evidence.ts";
import { writeRunReport, type RunReport } from "../../harness/report/write.ts";

/** A judgement as harness/expectation.ts gives it, for tests that set one. */
export function judged(outcome: "pass" | "detects", met: boolean): Evidence["expectation"] {
  const declared: Evidence["expectation"]["declared"] =
    outcome === "pass" ? { outcome } : { outcome, by: [{ check: "ledger-oracle" }] };
  return {
    outcome,
    met,
    observed: met ? (outcome === "pass" ? "passed" : "detected") : "missed",
    why: met ? "as expected" : "not as expected",
    declared,
  };
}

/** A complete, plausible drill record for report tests; `overrides` replace top-level fields. */
export function sampleEvidence(runId: string, overrides: Partial<Evidence> = {}): Evidence {
  const t0 = Date.parse("2026-11-22T01:00:00.000Z");
  const iso = (ms: number) => new Date(t0 + ms).toISOString();
  return {
    schema: "dr-drill/evidence@1",
    drillId: "load-postgres15-physical-42",
    runId,
    scenario: "load",
    startedAt: iso(0),
    endedAt: iso(20_000),
    initiator: {
      user: "ci",
      host: "runner",
      ci: {
        provider: "github-actions",
        actor: "octo",
        commit: "0123456789abcdef",
        runUrl: "https://example.invalid/run/1",
      },
    },
    scope: {
      engine: "postgres",
      version: "15",
      images: [{ ref: "postgres:15", id: "sha256:" + "a".repeat(64), source: "official" }],
      restoreTarget: {
        version: "15",
        images: [{ ref: "postgres:15", id: "sha256:" + "a".repeat(64), source: "official" }],
      },
      backupMethod: "physical",
      backupTool: "pg_basebackup (PostgreSQL) 15.18",
      seed: 42,
      dataset: { rows: 1000, recordsLoaded: 1064, digest: "b".repeat(64) },
      recoveryPoint: { backupStartedAt: iso(5_000), backupEndedAt: iso(8_000) },
      consistency: "point-in-time",
    },
    targets: { rtoMs: 60_000 },
    achieved: {
      rtoMs: 7_000,
      verifyMs: 2_000,
      rpoMs: 3_000,
      writesLost: { insideRecoveryPoint: 0, afterRecoveryPoint: 12 },
    },
    phases: [
      { name: "provision", startedAt: iso(0), durationMs: 2_000, counts: { image: "postgres:15" } },
      { name: "load", startedAt: iso(2_000), durationMs: 2_000, counts: { records: 1064 } },
      { name: "backup", startedAt: iso(4_000), durationMs: 5_000, counts: { files: 10 } },
      { name: "restore", startedAt: iso(10_000), durationMs: 3_000, counts: {} },
    ],
    workload: {
      writers: 2,
      invoked: 3,
      ok: 2,
      fail: 0,
      info: 1,
      gaveUp: 0,
      latencyMs: { insert: { p50: 2, p99: 9, max: 9 } },
    },
    backup: { mode: "online", durationMs: 5_000, specialModeMs: null, files: 10, bytes: 12_345, failedAttempts: [] },
    integrity: { source: null, restored: { count: 1064, digest: "c".repeat(64) } },
    restoreAttempts: [{ ok: true, summary: "server up", durationMs: 3_000 }],
    checks: [{ name: "ledger-oracle", valid: true, summary: "all keys consistent", details: { keysChecked: 1064 } }],
    faults: [],
    expectation: {
      outcome: "pass",
      met: true,
      observed: "passed",
      why: "restored, every check held",
      declared: { outcome: "pass" },
    },
    deviations: [],
    artifacts: [{ path: "base/1/1", bytes: 8192, sha256: "d".repeat(64) }],
    verdict: "pass",
    interrupted: null,
    reasons: [],
    replay: { seed: 42, command: "npx dr-drill run --engine postgres --seed 42", args: null },
    ...overrides,
  };
}

/** Lays out a drill directory as runDrill leaves it: a ledger with a few workload ops. */
export async function sampleDrillResult(reportsRoot: string, evidence: Evidence): Promise<DrillResult> {
  const dir = join(reportsRoot, evidence.runId, evidence.drillId);
  await mkdir(dir, { recursive: true });
  const ops = [
    {
      seq: 0,
      process: "loader",
      op: "load",
      invokeAt: 2_000,
      completeAt: 2_100,
      outcome: "ok",
      writes: [{ key: "people/1", digest: "e".repeat(64) }],
    },
    {
      seq: 1,
      process: "writer-0",
      op: "insert",
      invokeAt: 4_500,
      completeAt: 4_520,
      outcome: "ok",
      writes: [{ key: "people/9", digest: "f".repeat(64) }],
    },
    {
      seq: 2,
      process: "writer-1",
      op: "update",
      invokeAt: 6_000,
      completeAt: 6_300,
      outcome: "info",
      writes: [{ key: "people/1", digest: "*" }],
    },
    {
      seq: 3,
      process: "writer-0",
      op: "insert",
      invokeAt: 9_000,
      completeAt: 9_004,
      outcome: "ok",
      writes: [{ key: "people/11", digest: "1".repeat(64) }],
    },
  ];
  await writeFile(join(dir, "ledger.jsonl"), ops.map((o) => JSON.stringify(o)).join("\n") + "\n");
  await writeFile(join(dir, "evidence.json"), JSON.stringify(evidence, null, 2));
  return { evidence, evidencePath: join(dir, "evidence.json"), dir };
}

/** The plan of a run in which every drill ran, as `dr-drill run` records it: one planned drill per result. */
export function ranAsPlanned(drills: { evidence: Evidence }[]): { planned: PlannedDrill[]; interrupted: null } {
  return { planned: drills.map(({ evidence: e }) => plannedOf(e, e.drillId)), interrupted: null };
}

/** A planned drill of the same kind as `e`, made by `drillId` (null: it did not run). */
export function plannedOf(e: Evidence, drillId: string | null): PlannedDrill {
  const to = e.scope.restoreTarget.version;
  return {
    engine: e.scope.engine,
    version: e.scope.version,
    method: e.scope.backupMethod,
    scenario: e.scenario,
    restoreInto: to === e.scope.version ? null : to,
    drillId,
  };
}

/**
 * Writes the report of run `runId` under `root` as `dr-drill run` does once its drills ran as planned, with no targets
 * and an empty environment (no CI, no secret); `options` replace any of that.
 */
export function writeReportOf(
  root: string,
  runId: string,
  drills: DrillResult[],
  options: Partial<Parameters<typeof writeRunReport>[0]> = {},
): Promise<RunReport> {
  return writeRunReport({
    reportsRoot: root,
    runId,
    startedAt: drills[0]?.evidence.startedAt ?? new Date().toISOString(),
    drills,
    ...ranAsPlanned(drills),
    targets: {},
    env: {},
    ...options,
  });
}
