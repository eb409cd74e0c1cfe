import { describe, it, expect } from "vitest";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { QUESTDB_VERSIONS } from "../versions.ts";
import type { DrillResult } from "../../../harness/drill.ts";
import { expectMet, runScenario } from "../../../test/drills/support.ts";

const ROWS = Number(process.env.DR_DRILL_MATRIX_ROWS ?? 2_000);

// Back up on each version, restore into each version. Same major: must pass. Other pairs: a pass or a loud refusal,
// recorded as what really happened; a silent loss (server up, records gone or wrong) is a missed expectation.
describe("questdb: version matrix", () => {
  it("backup on each version restores into each version as recorded; same major passes, no pair loses data silently", async () => {
    const results: DrillResult[] = [];
    for (const version of Object.keys(QUESTDB_VERSIONS))
      results.push(...(await runScenario("questdb", "matrix", { rows: ROWS, version })));
    const rows = results.map((r) => {
      const e = r.evidence;
      return {
        from: e.scope.version,
        to: e.scope.restoreTarget.version,
        expected: e.expectation.outcome,
        observed: e.expectation.observed,
        why: e.expectation.why,
      };
    });
    const table = [
      `# QuestDB version matrix (${new Date().toISOString()}, ${ROWS} rows)`,
      "",
      "| backup on | restored into | expected | observed | what happened |",
      "|---|---|---|---|---|",
      ...rows.map(
        (r) =>
          `| ${r.from} | ${r.to} | ${r.expected} | **${r.observed}** | ${r.why.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`,
      ),
      "",
    ].join("\n");
    const path = join(dirname(results.at(-1)!.dir), "questdb-version-matrix.md");
    await writeFile(path, table);
    process.stdout.write(`${table}\nwritten to ${path}\n`);
    const versions = Object.keys(QUESTDB_VERSIONS);
    expect(rows.map((r) => `${r.from}→${r.to}`)).toEqual(
      versions.flatMap((from) => versions.map((to) => `${from}→${to}`)),
    );
    for (const [i, r] of rows.entries()) {
      expect(r.observed, `${r.from} → ${r.to}: ${r.why}`).not.toBe("missed");
      expectMet(results[i]!);
    }
  });
});
