import type { Evidence } from "../evidence.ts";
import { formatMs } from "../progress.ts";
import { coverageOf, describeCoverage, describePlanned, type RunEvidence } from "./run-evidence.ts";
import { WEAK_CREDENTIALS_ADVICE } from "../secrets.ts";

// XML 1.0 cannot carry C0 control characters other than tab, newline and carriage return: they are dropped.
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const xml = (s: string) =>
  s
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!)
    .replace(XML_FORBIDDEN, "");

const ms = (v: number | null | undefined) => (v === null || v === undefined ? "n/a" : formatMs(v));

/**
 * JUnit XML for CI test tabs: one test case per drill; every drill that did not do what its scenario expected is a
 * `<failure>` (a missed fault, a failed pass, a drill that could not decide), with the judgement and the reasons. Every
 * planned drill that did not run is an `<error>`, and so is an interruption: a CI tab never shows green for a run
 * that stopped early.
 */
export function junitXml(run: RunEvidence): string {
  const seconds = (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000;
  const failures = run.drills.filter((d) => !d.expectation.met).length;
  const cases = run.drills.map((d) => {
    const time = (Date.parse(d.endedAt) - Date.parse(d.startedAt)) / 1000;
    const props = [
      ["seed", String(d.scope.seed)],
      ["rto_ms", String(d.achieved.rtoMs ?? "")],
      ["rpo_ms", String(d.achieved.rpoMs ?? "")],
      ["replay", d.replay.command],
    ]
      .map(([k, v]) => `        <property name="${xml(k!)}" value="${xml(v!)}"/>`)
      .join("\n");
    const body = [d.expectation.why, ...d.reasons].join("\n");
    const outcome = d.expectation.met
      ? ""
      : `\n      <failure message="${xml(`${d.verdict}: ${d.expectation.why}`)}">${xml(body)}</failure>`;
    return `    <testcase classname="${xml(`${d.scope.engine}.${d.scope.version}.${d.scope.backupMethod}`)}" name="${xml(d.drillId)}" time="${time.toFixed(3)}">
      <properties>
${props}
      </properties>${outcome}
    </testcase>`;
  });
  const why = run.interrupted ? `the run was ${run.interrupted}` : "the run ended before it";
  const skipped = coverageOf(run).notRun.map(
    (
      p,
    ) => `    <testcase classname="${xml(`${p.engine}.${p.version}.${p.method}`)}" name="${xml(`${describePlanned(p)} (not run)`)}" time="0.000">
      <error type="not-run" message="${xml(`not run: ${why}`)}">${xml(`planned, never started: ${describePlanned(p)}`)}</error>
    </testcase>`,
  );
  const stopped = run.interrupted
    ? [
        `    <testcase classname="dr-drill.run" name="${xml(`run ${run.runId}`)}" time="${seconds.toFixed(3)}">
      <error type="interrupted" message="${xml(run.interrupted)}">${xml(`${run.interrupted}: the run is undecided, whatever its drills found`)}</error>
    </testcase>`,
      ]
    : [];
  const all = [...cases, ...skipped, ...stopped];
  const errors = skipped.length + stopped.length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="dr-drill" tests="${all.length}" failures="${failures}" errors="${errors}" time="${seconds.toFixed(3)}">
  <testsuite name="${xml(run.runId)}" tests="${all.length}" failures="${failures}" errors="${errors}" time="${seconds.toFixed(3)}" timestamp="${xml(run.startedAt)}">
${all.join("\n")}
  </testsuite>
</testsuites>
`;
}

/** What keeps the run from covering its plan, in one line; empty when it ran every planned drill and nothing stopped it. */
export function coverageLine(run: RunEvidence): string {
  const gaps = describeCoverage(run);
  return gaps ? `Incomplete run, so not a pass: ${gaps}.` : "";
}

function targetCell(achieved: number | null, target: number | undefined): string {
  if (target === undefined) return ms(achieved);
  const met = achieved !== null && achieved <= target;
  return `${ms(achieved)} ${met ? "≤" : ">"} ${formatMs(target)} ${met ? "✅" : "❌"}`;
}

/** Where the drills of this run came from when it is a shard, or merged from shards; empty otherwise. */
export function provenance(run: RunEvidence): string {
  if (run.shard)
    return `Shard ${run.shard.index}/${run.shard.count} of plan ${run.shard.plan} (${run.shard.planned} planned drill(s)).`;
  if (!run.mergedFrom) return "";
  const parts = run.mergedFrom.map(
    (s) =>
      `${s.runId}${s.shard ? ` (shard ${s.shard.index}/${s.shard.count})` : ""}: ${s.drills} drill(s), ${s.verdict}`,
  );
  return `Merged from ${run.mergedFrom.length} verified report(s): ${parts.join("; ")}.`;
}

const md = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A Markdown summary: for `$GITHUB_STEP_SUMMARY`, a pull request, or a ticket. */
export function summaryMarkdown(run: RunEvidence): string {
  const icon = { pass: "✅", fail: "❌", unknown: "❔" };
  const lines = [
    `## dr-drill ${icon[run.verdict]} ${run.verdict.toUpperCase()} — run ${run.runId}`,
    "",
    `${run.counts.drills} drill(s): ${run.counts.passed} passed, ${run.counts.failed} failed, ${run.counts.unknown} undecided. ${run.startedAt} → ${run.endedAt}. ${provenance(run)}`.trimEnd(),
    "",
    ...(coverageLine(run) ? [`**${coverageLine(run)}**`, ""] : []),
    "| drill | engine | backup | restored into | verdict | expected | RTO | RPO | records |",
    "|---|---|---|---|---|---|---|---|---|",
    ...run.drills.map(
      (d: Evidence) =>
        `| ${md(d.drillId)} | ${d.scope.engine} ${d.scope.version} | ${d.scope.backupMethod} | ${d.scope.restoreTarget.version} | ${icon[d.verdict]} ${d.verdict} | ${d.expectation.outcome}: ${d.expectation.met ? "met" : "**not met**"} | ${targetCell(d.achieved.rtoMs, d.targets.rtoMs)} | ${targetCell(d.achieved.rpoMs, d.targets.rpoMs)} | ${d.scope.dataset.recordsLoaded.toLocaleString("en-US")} |`,
    ),
  ];
  const failing = run.drills.filter((d) => d.verdict !== "pass" || !d.expectation.met);
  if (failing.length) {
    lines.push("", "### Why");
    for (const d of failing) {
      lines.push("", `**${md(d.drillId)}**`);
      lines.push(
        `- expected ${d.expectation.outcome}: ${d.expectation.met ? "met" : "**not met**"}, ${md(d.expectation.why)}`,
      );
      for (const r of d.reasons) lines.push(`- ${md(r.split("\n")[0] ?? "")}`);
      lines.push(`- replay: \`${d.replay.command}\``);
    }
  }
  const skipped = coverageOf(run).notRun;
  if (skipped.length) {
    lines.push("", "### Not run", "");
    for (const p of skipped) lines.push(`- ${md(describePlanned(p))}`);
  }
  if (run.matrix) {
    lines.push(
      "",
      "### Version compatibility",
      "",
      "| engine | method | from | to | result |",
      "|---|---|---|---|---|",
    );
    for (const c of run.matrix)
      lines.push(`| ${c.engine} | ${c.method} | ${c.from} | ${c.to} | ${icon[c.verdict]} ${md(c.summary)} |`);
  }
  if (run.weakCredentials.length) {
    lines.push("", "### Weak credentials", "", WEAK_CREDENTIALS_ADVICE, "");
    for (const w of run.weakCredentials) lines.push(`- ${md(w.source)}: ${md(w.reason)}`);
  }
  if (run.statement?.length) {
    lines.push("", "### Audit statement", "");
    for (const sentence of run.statement) lines.push(`- ${md(sentence)}`);
  }
  return lines.join("\n") + "\n";
}
