import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { noViolations, type OracleDetails, type Violation } from "../../harness/checkers/ledger-oracle.ts";

const created: string[] = [];

// Registered in the root suite of every test file that imports this module.
afterEach(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Creates a temp directory that is removed after the current test. */
export async function makeTempDir(prefix = "dr-drill-unit-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Ledger-oracle details as the oracle writes them, with the given violations (the others 0). */
export function oracleDetailsWith(violations: Partial<Record<Violation, number>>): OracleDetails {
  return {
    keysChecked: 10,
    ackedBeforeWindow: 5,
    keysPresent: 10,
    violations: { ...noViolations(), ...violations },
    lostInsideRecoveryPoint: violations.lost ?? 0,
    ackedLostAfterRecoveryPoint: 0,
    infoRecovered: 0,
    newestSurvivingAck: 100,
    earliestMissingAck: undefined,
    duplicatesSeen: 0,
    cut: {
      consistency: "point-in-time",
      toleranceMs: 0,
      groups: 1,
      tornGroups: violations["torn-cut"] ?? 0,
      untimedKeys: 0,
    },
    window: { start: 50, end: 60 },
    model: { consistency: "point-in-time" },
  };
}
