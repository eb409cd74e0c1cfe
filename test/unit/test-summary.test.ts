import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO } from "./cli-process.ts";
import { makeTempDir } from "./support.ts";

const result = (name: string, ...statuses: string[]) => ({
  name,
  assertionResults: statuses.map((status) => ({ status })),
});

describe("scripts/test-summary.js: the closing lines of npm test", () => {
  it("counts the skipped tests per engine folder before the one plain tests: line", async () => {
    const path = join(await makeTempDir(), "vitest.json");
    const testResults = [
      result(`${REPO}/engines/emqx/drills/export.drill.ts`, "skipped", "pending"),
      result(`${REPO}/engines/memgraph/drills/drills.drill.ts`, "skipped", "passed"),
      result(`${REPO}/test/unit/report.test.ts`, "passed", "failed"),
    ];
    await writeFile(
      path,
      JSON.stringify({ numPassedTests: 2, numFailedTests: 1, numPendingTests: 3, numTodoTests: 0, testResults }),
    );
    const out = execFileSync(process.execPath, [join(REPO, "scripts/test-summary.js"), path], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(out).toEqual(["skipped: emqx 2, memgraph 1", "tests: 2 passed, 1 failed, 3 skipped"]);
  });
});
