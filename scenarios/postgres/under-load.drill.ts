import { describe, it, expect } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PostgresEngine } from "../../engines/postgres/index.ts";
import type { LedgerEntry } from "../../harness/ledger.ts";
import { check, expectPass, scenarioDrill } from "../support.ts";

const FILE = "scenarios/postgres/under-load.drill.ts";
const WORKLOAD = { writers: 4, maxOps: 200_000, maxMs: 120_000, leadInOps: 200, tailMs: 1_000 };

// Inserts, updates and transfers keep committing while the backup runs; the oracle rules and the invariant must hold.
describe("postgres: drill under load", () => {
  for (const method of ["physical", "logical"] as const) {
    const name = `${method} backup under concurrent writes satisfies the oracle and the balance invariant`;
    it(name, async () => {
      const result = await scenarioDrill(FILE, name, { scenario: `load-${method}`, engine: new PostgresEngine("15", method), workload: WORKLOAD });
      expectPass(result);
      const e = result.evidence;
      expect(e.workload!.ok).toBeGreaterThan(WORKLOAD.leadInOps);
      expect(check(result, "invariant:total-balance").valid).toBe(true);
      expect(check(result, "invariant:transfers-atomic").valid).toBe(true);
      expect(e.achieved.rpoMs).not.toBeNull();

      // The load really overlapped the backup: acknowledged writes before it, during it and after it.
      const ledger = (await readFile(join(result.dir, "ledger.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as LedgerEntry);
      const start = Date.parse(e.scope.recoveryPoint.backupStartedAt) - Date.parse(e.startedAt);
      const end = Date.parse(e.scope.recoveryPoint.backupEndedAt) - Date.parse(e.startedAt);
      const writes = ledger.filter((w) => w.op !== "load" && w.outcome === "ok");
      expect(writes.some((w) => w.completeAt < start - 1)).toBe(true);
      expect(writes.some((w) => w.invokeAt > start + 1 && w.completeAt < end - 1)).toBe(true);
      expect(writes.some((w) => w.invokeAt > end + 1)).toBe(true);
      // Writes invoked after the backup ended cannot be in it: each was either absent or caught by rule 3.
      const oracle = check(result, "ledger-oracle").details as { ackedLostAfterRecoveryPoint: number };
      expect(oracle.ackedLostAfterRecoveryPoint).toBeGreaterThan(0);
    });
  }
});
