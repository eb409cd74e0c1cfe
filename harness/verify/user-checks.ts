import type { CheckResult } from "../checkers/checker.ts";
import { isEngineError } from "../engine-error.ts";
import type { UserCheck } from "./checks-file.ts";

/** Runs a query on the restored node: rows of text cells. An error the engine returns is an `EngineError`. */
export type QueryRunner = (query: string) => Promise<string[][]>;

/** Each user check as a check of its own, `check:<name>`; the engine refusing the query fails it with its words. */
export async function runUserChecks(checks: UserCheck[], query: QueryRunner): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const c of checks) {
    const name = `check:${c.name}`;
    try {
      results.push(judgeRows(name, c.expect, await query(c.query)));
    } catch (err) {
      if (!isEngineError(err)) throw err;
      results.push({ name, valid: false, summary: `the restored engine refused the query: ${err.message}` });
    }
  }
  return results;
}

export function judgeRows(name: string, expect: UserCheck["expect"], rows: string[][]): CheckResult {
  if (expect === "zero-rows")
    return {
      name,
      valid: rows.length === 0,
      summary: rows.length ? `expected no rows, got ${rows.length}` : "no rows, as expected",
      ...(rows.length ? { examples: rows.slice(0, 10).map((r) => r.join(" | ")) } : {}),
    };
  const got = rows[0]?.[0];
  const want = String(expect);
  return {
    name,
    valid: got === want,
    summary: got === want ? `returned ${want}, as expected` : `expected ${want}, got ${got ?? "no row"}`,
  };
}
