import { describe, it, expect } from "vitest";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { QuestDbEngine, QUESTDB_VERSIONS, majorOf } from "../../engines/questdb/index.ts";
import { newRunId, type DrillResult } from "../../harness/drill.ts";
import type { OracleFigures } from "../../harness/checkers/ledger-oracle.ts";
import { scenarioDrill } from "../support.ts";

const FILE = "scenarios/questdb/versions.drill.ts";
const ROWS = Number(process.env.DR_DRILL_MATRIX_ROWS ?? 2_000);

export type MatrixOutcome = "restored" | "refused" | "silent-loss" | "came-up-wrong" | "drill-error";

/** What a restore into another version really did, from the evidence (not from what the docs promise). */
export function classify(result: DrillResult): { outcome: MatrixOutcome; detail: string } {
  const e = result.evidence;
  const restore = e.checks.find((c) => c.name === "restore");
  const oracle = e.checks.find((c) => c.name === "ledger-oracle");
  if (!restore) return { outcome: "drill-error", detail: e.reasons[0] ?? "no restore check" };
  if (!e.restoreAttempts.some((a) => a.ok) && restore.valid === false) {
    const a = e.restoreAttempts.at(-1);
    return { outcome: "refused", detail: `exit ${a?.exitCode ?? "?"}: ${restore.summary.replace(/^engine did not come up: /, "")}` };
  }
  const figures = oracle?.details as unknown as OracleFigures | undefined;
  const lost = figures ? figures.violations.lost + figures.violations.corrupt + figures.violations.phantom : 0;
  if (restore.valid === true && oracle?.valid === false && lost > 0) return { outcome: "silent-loss", detail: oracle.summary };
  const failed = e.checks.filter((c) => c.valid === false && !c.name.startsWith("preflight:version"));
  if (failed.length === 0 && oracle?.valid === true) return { outcome: "restored", detail: `${oracle.summary.replace(/ \(.*\)$/, "")}; ${e.checks.find((c) => c.name === "new-write")?.valid ? "new write ok" : "no new write"}` };
  return { outcome: "came-up-wrong", detail: failed.map((c) => `${c.name}: ${c.summary}`).join("; ").slice(0, 300) };
}

// Back up on each version, restore into each version. Same major: must restore and pass the oracle. Other pairs:
// record what really happens; a silent loss (server up, restore "fine", records gone) fails the test.
describe("questdb: version matrix", () => {
  it("backup on each version restores into each version as recorded; same major passes, no pair loses data silently", async () => {
    const versions = Object.keys(QUESTDB_VERSIONS);
    const rows: { from: string; to: string; outcome: MatrixOutcome; detail: string; evidence: string }[] = [];
    const runId = newRunId();
    let reportsRun = "";
    for (const from of versions) {
      for (const to of versions) {
        const name = `matrix ${from} → ${to}`;
        const result = await scenarioDrill(FILE, name, { scenario: `qdb-matrix`, engine: new QuestDbEngine(from), restoreInto: new QuestDbEngine(to), rows: ROWS, runId });
        reportsRun = dirname(result.dir);
        rows.push({ from, to, ...classify(result), evidence: result.evidencePath });
      }
    }
    const table = [
      `# QuestDB version matrix (${new Date().toISOString()}, ${ROWS} rows, offline images unless noted in each evidence)`,
      "",
      "| backup on | restored into | outcome | what happened |",
      "|---|---|---|---|",
      ...rows.map((r) => `| ${r.from} | ${r.to} | **${r.outcome}** | ${r.detail.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`),
      "",
    ].join("\n");
    const path = join(reportsRun, "questdb-version-matrix.md");
    await writeFile(path, table);
    process.stdout.write(`${table}\nwritten to ${path}\n`);
    for (const r of rows) {
      expect(r.outcome, `${r.from} → ${r.to}: ${r.detail}`).not.toBe("silent-loss");
      expect(r.outcome, `${r.from} → ${r.to}: ${r.detail}`).not.toBe("drill-error");
      if (majorOf(r.from) === majorOf(r.to)) expect(r.outcome, `${r.from} → ${r.to} (same major): ${r.detail}`).toBe("restored");
    }
  });
});
