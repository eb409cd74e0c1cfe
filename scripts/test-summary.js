// Prints vitest's JSON report as one plain closing line, the form CI systems read: "tests: N passed, N failed, N skipped",
// after a line that counts the skipped tests per engine folder, so a green run in which one engine's drills all
// skipped (its image missing) shows at a glance.
import { readFileSync } from "node:fs";

const report = JSON.parse(readFileSync(process.argv[2], "utf8"));
const skipped = report.numPendingTests + report.numTodoTests;
const perEngine = new Map();
for (const file of report.testResults) {
  const where = /engines\/([^/]+)\//.exec(file.name)?.[1] ?? "core";
  const count = file.assertionResults.filter(
    (t) => t.status === "pending" || t.status === "skipped" || t.status === "todo",
  ).length;
  if (count) perEngine.set(where, (perEngine.get(where) ?? 0) + count);
}
if (perEngine.size) console.log(`skipped: ${[...perEngine].map(([engine, n]) => `${engine} ${n}`).join(", ")}`);
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
