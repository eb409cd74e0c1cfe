import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, expect } from "vitest";
import type { LedgerEntry } from "../../../harness/ledger.ts";
import { check, expectPass, oracleOf, runOne, SCENARIO_ROWS } from "../../../test/drills/support.ts";

const schema = fileURLToPath(new URL("../user-schema/example-schema.sql", import.meta.url));
const rows = Math.min(SCENARIO_ROWS, 1_500);

async function ledgerOf(dir: string): Promise<LedgerEntry[]> {
  const text = await readFile(join(dir, "ledger.jsonl"), "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerEntry);
}

/** The user's own schema (engines/postgres/user-schema/example-schema.sql), drilled under load with both methods. */
describe("postgres: the user's schema (--schema)", () => {
  it("physical: every table checked by the oracle, the UNLOGGED table found empty and named", async () => {
    const result = await runOne("postgres", "user-schema", { rows, schema, method: "physical" });
    const e = result.evidence;
    expect(e.verdict).toBe("fail");
    expect(check(result, "unlogged-tables")).toMatchObject({ valid: false });
    expect(check(result, "unlogged-tables").summary).toMatch(
      /empty after the restore: session_cache \(\d+ rows loaded/,
    );
    // Only the UNLOGGED table's rows are lost; every other table holds what was acknowledged before the backup.
    const oracle = oracleOf(result);
    expect(oracle.violations.lost).toBeGreaterThan(0);
    expect(oracle.violations).toMatchObject({ phantom: 0, corrupt: 0, future: 0, stale: 0, "failed-present": 0 });
    expect(check(result, "ledger-oracle").examples!.every((x) => x.startsWith("lost session_cache/"))).toBe(true);
    // Rows breaking the check constraint or the types' limits were refused by the server: `fail` in the ledger.
    const refused = (await ledgerOf(result.dir)).filter((x) => x.outcome === "fail");
    expect(refused.some((x) => /violates check constraint|out of range|overflow/.test(x.error ?? ""))).toBe(true);
    expect(
      (await ledgerOf(result.dir)).some((x) => x.outcome === "ok" && x.writes.some((w) => w.key.startsWith("orders/"))),
    ).toBe(true);
  });

  it("logical: a dump carries the UNLOGGED table too, and the drill passes", async () => {
    const result = await runOne("postgres", "user-schema", { rows, schema, method: "logical" });
    expectPass(result);
    expect(check(result, "unlogged-tables").summary).toMatch(/restored with their rows: session_cache/);
  });
});
