import type { Evidence } from "../evidence.ts";
import { formatMs } from "../progress.ts";
import type { HistoryEntry } from "./history.ts";
import { drillKey } from "./history.ts";
import { WEAK_CREDENTIALS_ADVICE } from "../secrets.ts";
import { coverageOf, describePlanned, type RunEvidence } from "./run-evidence.ts";
import { coverageLine, provenance } from "./text-reports.ts";
import type { DrillTimeline } from "./timeline.ts";

/**
 * One self-contained HTML file (inline CSS and SVG, no script, no network): the verdict first, then the drills with
 * RTO/RPO against targets, each drill's timeline with the write load under its phases (after Jepsen's timeline and
 * latency plots), the version matrix, the faults and what became of them, and the RTO trend across runs.
 */
const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const ms = (v: number | null | undefined) => (v === null || v === undefined ? "n/a" : formatMs(v));
const COLORS: Record<string, string> = {
  ok: "#2e7d32",
  info: "#ef6c00",
  fail: "#c62828",
  pass: "#2e7d32",
  unknown: "#757575",
};
const PHASE_COLORS = [
  "#5c6bc0",
  "#26a69a",
  "#ab47bc",
  "#8d6e63",
  "#42a5f5",
  "#ec407a",
  "#78909c",
  "#9ccc65",
  "#ffa726",
  "#7e57c2",
];

function badge(verdict: string): string {
  return `<span class="badge ${esc(verdict)}">${esc(verdict.toUpperCase())}</span>`;
}

function vsTarget(achieved: number | null, target: number | undefined): string {
  if (target === undefined) return esc(ms(achieved));
  const met = achieved !== null && achieved <= target;
  return `<span class="${met ? "met" : "missed"}">${esc(ms(achieved))} ${met ? "≤" : ">"} ${esc(formatMs(target))}</span>`;
}

/** Phases as bars on a time axis, the backup window shaded, and under them ops/s and latency dots per outcome. */
export function timelineSvg(t: DrillTimeline, id: string): string {
  const W = 960;
  const left = 60;
  const plotW = W - left - 20;
  const x = (msAt: number) => left + (Math.max(0, msAt) / t.durationMs) * plotW;
  const phaseH = 26;
  const thrTop = 2 * phaseH + 30;
  const thrH = 90;
  const latTop = thrTop + thrH + 30;
  const latH = 120;
  const H = latTop + latH + 40;
  const parts: string[] = [];
  // Phases alternate between two rows so short ones keep readable labels.
  t.phases.forEach((p, i) => {
    const y = 10 + (i % 2) * phaseH;
    const w = Math.max(2, x(p.startMs + p.durationMs) - x(p.startMs));
    parts.push(
      `<rect class="phase" x="${x(p.startMs).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${phaseH - 4}" fill="${PHASE_COLORS[i % PHASE_COLORS.length]}"><title>${esc(p.name)}: ${esc(formatMs(p.durationMs))}</title></rect>`,
      `<text x="${(x(p.startMs) + 3).toFixed(1)}" y="${y + 16}" class="plabel">${esc(p.name)}</text>`,
    );
  });
  if (t.backupWindow) {
    const bx = x(t.backupWindow.startMs);
    parts.push(
      `<rect class="window" x="${bx.toFixed(1)}" y="${thrTop - 8}" width="${Math.max(2, x(t.backupWindow.endMs) - bx).toFixed(1)}" height="${latTop + latH - thrTop + 8}"><title>backup window</title></rect>`,
      `<text x="${(bx + 3).toFixed(1)}" y="${thrTop - 12}" class="axis">backup window</text>`,
    );
  }
  if (t.latency.length === 0) {
    parts.push(
      `<text x="${left + 10}" y="${thrTop + thrH / 2}" class="axis">no writes during this drill: the restored state was compared with the source exactly</text>`,
    );
  }
  // Throughput: stacked bars per bucket.
  const perSecond = (n: number) => (n * 1000) / t.bucketMs;
  const maxThr = Math.max(
    1,
    ...t.throughput.ok.map((_, i) => perSecond(t.throughput.ok[i]! + t.throughput.info[i]! + t.throughput.fail[i]!)),
  );
  const bw = plotW / t.throughput.ok.length;
  t.throughput.ok.forEach((_, i) => {
    let base = thrTop + thrH;
    for (const outcome of ["ok", "info", "fail"] as const) {
      const h = (perSecond(t.throughput[outcome][i]!) / maxThr) * thrH;
      if (h <= 0) continue;
      base -= h;
      parts.push(
        `<rect class="thr ${outcome}" x="${(left + i * bw).toFixed(1)}" y="${base.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[outcome]}"/>`,
      );
    }
  });
  parts.push(
    `<text x="4" y="${thrTop + 10}" class="axis">${esc(Math.round(maxThr))} ops/s</text>`,
    `<line x1="${left}" x2="${W - 20}" y1="${thrTop + thrH}" y2="${thrTop + thrH}" class="grid"/>`,
  );
  // Latency: log scale dots.
  const maxLat = Math.max(1, ...t.latency.map((p) => p.ms));
  const ly = (v: number) => latTop + latH - (Math.log10(1 + v) / Math.log10(1 + maxLat)) * latH;
  for (const p of t.latency)
    parts.push(
      `<circle class="lat ${p.outcome}" cx="${x(p.t).toFixed(1)}" cy="${ly(p.ms).toFixed(1)}" r="1.6" fill="${COLORS[p.outcome]}"/>`,
    );
  parts.push(
    `<text x="4" y="${latTop + 10}" class="axis">${esc(formatMs(maxLat))}</text>`,
    `<text x="4" y="${latTop + latH}" class="axis">0</text>`,
    `<line x1="${left}" x2="${W - 20}" y1="${latTop + latH}" y2="${latTop + latH}" class="grid"/>`,
    `<text x="${left}" y="${H - 8}" class="axis">0 s</text>`,
    `<text x="${W - 60}" y="${H - 8}" class="axis">${esc(formatMs(t.durationMs))}</text>`,
    `<text x="${left + 200}" y="${H - 8}" class="axis">writes completed per ${esc(formatMs(t.bucketMs))} (bars) and latency, log scale (dots): <tspan fill="${COLORS.ok}">ok</tspan> <tspan fill="${COLORS.info}">info</tspan> <tspan fill="${COLORS.fail}">fail</tspan></text>`,
  );
  return `<svg class="chart timeline" id="${esc(id)}" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="timeline">${parts.join("")}</svg>`;
}

/** RTO of each kind of drill across the runs in the history, one line per kind. */
export function trendSvg(history: HistoryEntry[]): string {
  const series = new Map<string, { i: number; rto: number }[]>();
  history.forEach((h, i) => {
    for (const d of h.drills)
      if (d.rtoMs !== null) series.set(d.key, [...(series.get(d.key) ?? []), { i, rto: d.rtoMs }]);
  });
  if (series.size === 0 || history.length < 1) return `<p class="muted">No RTO measured in the history yet.</p>`;
  const W = 960;
  const H = 220;
  const left = 60;
  const maxRto = Math.max(...[...series.values()].flat().map((p) => p.rto));
  const x = (i: number) => left + (history.length === 1 ? 0 : (i / (history.length - 1)) * (W - left - 220));
  const y = (v: number) => 20 + (1 - v / maxRto) * (H - 50);
  const parts: string[] = [];
  [...series.entries()].forEach(([key, pts], s) => {
    const color = PHASE_COLORS[s % PHASE_COLORS.length];
    parts.push(
      `<polyline class="trend" fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${x(p.i).toFixed(1)},${y(p.rto).toFixed(1)}`).join(" ")}"/>`,
    );
    for (const p of pts)
      parts.push(
        `<circle cx="${x(p.i).toFixed(1)}" cy="${y(p.rto).toFixed(1)}" r="3" fill="${color}"><title>${esc(key)}: ${esc(formatMs(p.rto))}</title></circle>`,
      );
    parts.push(`<text x="${W - 210}" y="${24 + s * 16}" class="axis" fill="${color}">${esc(key)}</text>`);
  });
  parts.push(
    `<text x="4" y="24" class="axis">${esc(formatMs(maxRto))}</text>`,
    `<text x="4" y="${H - 30}" class="axis">0</text>`,
    `<text x="${left}" y="${H - 8}" class="axis">last ${history.length} run(s), oldest left</text>`,
  );
  return `<svg class="chart trend" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="RTO trend">${parts.join("")}</svg>`;
}

function faultRows(drills: Evidence[]): string {
  const rows = drills.flatMap((d) =>
    d.faults.map((f) => {
      // The one judgement colours the row, as it decides JUnit and the exit code: undecided is not met.
      return `<tr><td>${esc(d.drillId)}</td><td>${esc(f.fault)}</td><td><code>${esc(f.target)}</code></td><td>${esc(f.expected)}</td><td class="${d.expectation.met ? "met" : "missed"}">${esc(f.observed)}</td><td>${esc(d.reasons[0] ?? "")}</td></tr>`;
    }),
  );
  if (rows.length === 0) return `<p class="muted">No fault injected in this run.</p>`;
  return `<table><tr><th>drill</th><th>fault</th><th>target</th><th>expected</th><th>observed</th><th>first reason</th></tr>${rows.join("")}</table>`;
}

function drillSection(d: Evidence, timeline: DrillTimeline, index: number): string {
  const checks = d.checks
    .map(
      (c) =>
        `<tr><td>${badge(c.valid === true ? "pass" : c.valid === false ? "fail" : "unknown")}</td><td>${esc(c.name)}</td><td>${esc(c.summary)}${c.examples?.length ? `<pre>${esc(c.examples.slice(0, 5).join("\n"))}</pre>` : ""}</td></tr>`,
    )
    .join("");
  const phases = d.phases
    .map(
      (p) =>
        `<tr><td>${esc(p.name)}</td><td>${esc(formatMs(p.durationMs))}</td><td>${esc(
          Object.entries(p.counts)
            .filter(([k]) => k !== "error")
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
        )}</td></tr>`,
    )
    .join("");
  return `<section class="drill" id="drill-${index}">
  <h3>${badge(d.verdict)} ${esc(d.drillId)}</h3>
  <p>${esc(d.scope.engine)} ${esc(d.scope.version)} · ${esc(d.scope.backupMethod)} (${esc(d.scope.backupTool)}) · restored into ${esc(d.scope.restoreTarget.version)} · image${d.scope.images.length === 1 ? "" : "s"} ${d.scope.images.map((i) => `<code>${esc(i.ref)}</code> (${esc(i.source)})`).join(", ")} · cut ${esc(d.scope.consistency)} · seed ${esc(d.scope.seed)} · ${esc(d.scope.dataset.recordsLoaded.toLocaleString("en-US"))} records</p>
  ${d.reasons.length ? `<ul class="reasons">${d.reasons.map((r) => `<li>${esc(r.split("\n")[0])}</li>`).join("")}</ul><p>Replay: <code>${esc(d.replay.command)}</code></p>` : ""}
  ${timelineSvg(timeline, `timeline-${index}`)}
  <details><summary>Checks (${d.checks.length})</summary><table>${checks}</table></details>
  <details><summary>Phases</summary><table><tr><th>phase</th><th>time</th><th>counts</th></tr>${phases}</table></details>
</section>`;
}

export function renderHtml(run: RunEvidence, timelines: DrillTimeline[], history: HistoryEntry[]): string {
  const rows = run.drills
    .map(
      (d, i) =>
        `<tr><td><a href="#drill-${i}">${esc(d.drillId)}</a></td><td>${esc(d.scope.engine)} ${esc(d.scope.version)}</td><td>${esc(d.scope.backupMethod)}</td><td>${esc(d.scope.restoreTarget.version)}</td><td>${badge(d.verdict)}</td><td class="${d.expectation.met ? "met" : "missed"}" title="${esc(d.expectation.why)}">${esc(d.expectation.outcome)}: ${d.expectation.met ? "met" : "NOT met"}</td><td>${vsTarget(d.achieved.rtoMs, d.targets.rtoMs)}</td><td>${vsTarget(d.achieved.rpoMs, d.targets.rpoMs)}</td><td>${esc(d.achieved.verifyMs === null ? "n/a" : formatMs(d.achieved.verifyMs))}</td><td>${writesLostCell(d.achieved.writesLost)}</td></tr>`,
    )
    .join("");
  const matrix = run.matrix
    ? `<h2>Version compatibility</h2><table><tr><th>engine</th><th>method</th><th>backed up on</th><th>restored into</th><th>result</th></tr>${run.matrix
        .map(
          (c) =>
            `<tr><td>${esc(c.engine)}</td><td>${esc(c.method)}</td><td>${esc(c.from)}</td><td>${esc(c.to)}</td><td>${badge(c.verdict)} ${esc(c.summary)}</td></tr>`,
        )
        .join("")}</table>`
    : "";
  const ci = run.initiator.ci;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>dr-drill ${esc(run.verdict.toUpperCase())} — ${esc(run.runId)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1040px;color:#212121;padding:0 16px}
h1{font-size:24px;margin:0 0 4px} h2{margin-top:32px;border-bottom:1px solid #e0e0e0;padding-bottom:4px} h3{margin:8px 0}
table{border-collapse:collapse;width:100%;margin:8px 0} th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;font-size:12px}
.badge.pass{background:#2e7d32}.badge.fail{background:#c62828}.badge.unknown{background:#757575}
.verdict{font-size:20px;padding:4px 16px} .met{color:#2e7d32} .missed{color:#c62828;font-weight:600} .muted{color:#757575}
.drill{border:1px solid #e0e0e0;border-radius:6px;padding:8px 12px;margin:16px 0} pre{white-space:pre-wrap;font-size:12px;background:#fafafa;padding:4px}
.chart{background:#fcfcfc;border:1px solid #f0f0f0;margin:8px 0} .plabel{font-size:11px;fill:#fff} .axis{font-size:11px;fill:#616161}
.grid{stroke:#bdbdbd;stroke-width:1} .window{fill:#fff59d;opacity:.45} code{font-size:12px;background:#f5f5f5;padding:0 3px}
</style></head><body>
<header>
<h1>dr-drill run <span class="badge verdict ${esc(run.verdict)}" id="verdict">${esc(run.verdict.toUpperCase())}</span></h1>
<p>${esc(run.counts.drills)} of ${esc(run.planned.count)} planned drill(s) ran: ${esc(run.counts.passed)} passed, ${esc(run.counts.failed)} failed, ${esc(run.counts.unknown)} undecided ·
run <code>${esc(run.runId)}</code> · ${esc(run.startedAt)} → ${esc(run.endedAt)} (UTC) · dr-drill ${esc(run.tool.version)}<br>
initiated by ${esc(run.initiator.user)}@${esc(run.initiator.host)}${ci ? ` · ${esc(ci.provider)}${ci.actor ? ` actor ${esc(ci.actor)}` : ""}${ci.commit ? ` commit <code>${esc(ci.commit.slice(0, 12))}</code>` : ""}${ci.runUrl ? ` · <a href="${esc(ci.runUrl)}">CI run</a>` : ""}` : ""}
${run.targets.rtoMs !== undefined || run.targets.rpoMs !== undefined ? ` · targets: RTO ${esc(ms(run.targets.rtoMs))}, RPO ${esc(ms(run.targets.rpoMs))}` : ""}</p>
</header>
${notRunSection(run)}
${provenance(run) ? `<p class="muted" id="provenance">${esc(provenance(run))}</p>` : ""}
${weakCredentials(run.weakCredentials)}
<h2>Drills</h2>
<table><tr><th>drill</th><th>engine</th><th>backup</th><th>restored into</th><th>verdict</th><th>expected</th><th>RTO</th><th>RPO</th><th>verify</th><th>acknowledged writes not restored</th></tr>${rows}</table>
${matrix}
${auditSection(run)}
<h2>Faults injected</h2>
${faultRows(run.drills)}
<h2>RTO trend</h2>
${trendSvg(history)}
<h2>Timelines</h2>
${run.drills.map((d, i) => drillSection(d, timelines[i]!, i)).join("\n")}
<footer class="muted"><p>Evidence: <code>evidence.json</code> (schema ${esc(run.schema)}); integrity: <code>manifest.sha256</code>${" "}and, when signed, <code>manifest.sig</code> (Ed25519) and the in-toto attestation <code>attestation.intoto.jsonl</code> — check with <code>dr-drill verify-report &lt;dir&gt;</code>.
Drill kinds in the trend: ${esc([...new Set(run.drills.map(drillKey))].join(", "))}.</p></footer>
</body></html>
`;
}

/** The evidence in sentences an auditor reads (harness/report/audit.ts). */
function auditSection(run: RunEvidence): string {
  if (!run.statement?.length) return "";
  return `<h2>Audit statement</h2><ul id="audit-statement">${run.statement.map((s) => `<li>${esc(s)}</li>`).join("")}</ul>`;
}

/** Writes the backup promised and lost (a failure) apart from writes after the recovery point (lost by design). */
function writesLostCell(lost: Evidence["achieved"]["writesLost"]): string {
  if (!lost) return "n/a";
  const inside = lost.insideRecoveryPoint
    ? `<strong class="missed">${lost.insideRecoveryPoint} lost inside the recovery point</strong>`
    : "none inside the recovery point";
  return `${inside}; ${lost.afterRecoveryPoint.toLocaleString("en-US")} after it (by design)`;
}

/** An incomplete run says so above everything else: why, and which planned drills never ran. */
function notRunSection(run: RunEvidence): string {
  const line = coverageLine(run);
  if (!line) return "";
  const skipped = coverageOf(run).notRun;
  const list = skipped.length
    ? `<h2>Not run</h2><ul id="not-run">${skipped.map((p) => `<li>${esc(describePlanned(p))}</li>`).join("")}</ul>`
    : "";
  return `<p class="missed" id="coverage">${esc(line)}</p>${list}`;
}

function weakCredentials(weak: RunEvidence["weakCredentials"]): string {
  if (!weak.length) return "";
  return `<h2>Weak credentials</h2><p class="missed">${esc(WEAK_CREDENTIALS_ADVICE).replace(/`([^`]+)`/g, "<code>$1</code>")}</p><ul>${weak.map((w) => `<li>${esc(w.source)}: ${esc(w.reason)}</li>`).join("")}</ul>`;
}
