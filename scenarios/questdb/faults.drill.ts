import { describe, it, expect } from "vitest";
import { QuestDbEngine, QUESTDB_DEFAULT_VERSION, backupWithoutCheckpointDir, failedRestoreThenRetry, recoveryDisabled, type QuestDbRestoreAttempt } from "../../engines/questdb/index.ts";
import { check, expectPass, scenarioDrill } from "../support.ts";
import { QDB_WORKLOAD } from "./under-load.drill.ts";

const FILE = "scenarios/questdb/faults.drill.ts";
const V = QUESTDB_DEFAULT_VERSION;

describe("questdb: a failed _restore, then the retry", () => {
  for (const [label, what] of [
    ["_checkpoint_meta.d", { checkpointMeta: true }],
    ["a WAL table's _txn", { tableTxn: "trades" }],
  ] as const) {
    const name = `missing ${label}: the server exits non-zero naming it, _restore stays; put back, the retry recovers`;
    it(name, async () => {
      const f = failedRestoreThenRetry(what);
      const result = await scenarioDrill(FILE, name, { scenario: "qdb-retry", engine: new QuestDbEngine(V, f.engineOptions), faults: [f.fault], workload: QDB_WORKLOAD });
      const e = result.evidence;
      const [first, second] = e.restoreAttempts as QuestDbRestoreAttempt[];
      expect(e.restoreAttempts).toHaveLength(2);
      // Attempt 1: refused loudly, nothing served, trigger kept for the retry.
      expect(first!.ok).toBe(false);
      expect(first!.exitCode).toBeDefined();
      expect(first!.exitCode).not.toBe(0);
      expect(first!.restoreFilePresent).toBe(true);
      expect(first!.summary).toMatch(
        "checkpointMeta" in what
          ? /checkpoint trigger file found, but the checkpoint metadata file does not exist \[file=\/var\/lib\/questdb\/\.checkpoint\/db\/_checkpoint_meta\.d/
          : /Recovery failed\. Could not copy _txn file \[src=\/var\/lib\/questdb\/\.checkpoint\/db\/trades~\d+\/_txn/,
      );
      // Attempt 2: after putting the file back, the recovery ran and removed _restore.
      expect(second).toMatchObject({ ok: true, restoreFilePresent: false, before: expect.stringMatching(/put .* back/) });
      expect(e.faults).toMatchObject([{ fault: "missing-on-first-restore", expected: "restores" }]);
      expect(e.deviations).toContain("restore needed 2 attempts");
      expectPass(result);
    });
  }
});

describe("questdb: faults the drill must detect", () => {
  const offName = "recovery switched off: the server starts on the raw copy with _restore still there, and the drill fails";
  it(offName, async () => {
    const f = recoveryDisabled();
    const result = await scenarioDrill(FILE, offName, { scenario: "qdb-recovery-off", engine: new QuestDbEngine(V, f.engineOptions), faults: [f.fault], workload: QDB_WORKLOAD });
    const e = result.evidence;
    expect(e.verdict).toBe("fail");
    expect(e.restoreAttempts).toMatchObject([{ ok: false, restoreFilePresent: true }]);
    const restore = check(result, "restore");
    expect(restore.valid).toBe(false);
    expect(restore.summary).toMatch(/_restore still present .* recovery did not run/);
    // The raw copy is not the checkpoint. What reading it gives (an oracle verdict, or an error such as a partition
    // listed in _txn but missing on disk) is recorded, not assumed; either way the drill must not pass.
    const oracle = e.checks.find((c) => c.name === "ledger-oracle");
    expect(oracle?.valid ?? false).not.toBe(true);
    console.log(`recovery off: ${oracle ? `oracle: ${oracle.summary}` : `read failed: ${e.reasons.find((r) => r.startsWith("check failed"))}`}`);
  });

  const dotName = "a backup without the .checkpoint directory fails the drill, saying so";
  it(dotName, async () => {
    const f = backupWithoutCheckpointDir();
    const result = await scenarioDrill(FILE, dotName, { scenario: "qdb-no-checkpoint-dir", engine: new QuestDbEngine(V, f.engineOptions), faults: [f.fault], workload: QDB_WORKLOAD });
    const e = result.evidence;
    expect(e.verdict).toBe("fail");
    expect(e.faults).toMatchObject([{ fault: "copy-tool-skipped-dot-directories", target: ".checkpoint", expected: "detects" }]);
    expect(check(result, "preflight:checkpoint-dir")).toMatchObject({ valid: false, summary: expect.stringMatching(/no \.checkpoint\/ directory.*skipped/) });
    expect(e.reasons.some((r) => /preflight:checkpoint-dir: the backup has no \.checkpoint/.test(r))).toBe(true);
    // QuestDB itself refuses too: it exits with the cause and keeps _restore.
    expect(e.restoreAttempts).toMatchObject([{ ok: false, exitCode: 55, restoreFilePresent: true }]);
    expect(check(result, "restore").summary).toMatch(/checkpoint trigger file found, but the checkpoint directory does not exist/);
  });
});
