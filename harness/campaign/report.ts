import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatMs } from "../progress.ts";
import { CAMPAIGN_OUTCOMES } from "./classify.ts";
import type { CampaignResult, CampaignRow } from "./run.ts";
import { campaignTable, type CampaignTable } from "./table.ts";

export const CAMPAIGN_SCHEMA = "dr-drill/campaign@1";

/** The campaign's own record, beside the run's evidence.json (whose drills are the faults): docs/evidence.md. */
export interface CampaignEvidence {
  schema: typeof CAMPAIGN_SCHEMA;
  runId: string;
  engine: string;
  version: string;
  method: string;
  startedAt: string;
  endedAt: string;
  dataSeed: number;
  campaignSeed: number;
  rows: number;
  base: CampaignResult["base"];
  timing: CampaignResult["timing"];
  table: CampaignTable;
  /** Passes when no fault is `unknown` or `MISSED`, every planned fault ran, and the base backup stayed untouched. */
  verdict: "pass" | "fail" | "unknown";
  undecided: string | null;
  interrupted: string | null;
  faults: (CampaignRow & { replay: string })[];
}

export function campaignVerdict(
  c: Pick<CampaignEvidence, "table" | "base" | "undecided" | "interrupted">,
  planned: number,
): CampaignEvidence["verdict"] {
  if (c.table.totals.MISSED > 0 || !c.base.untouched) return "fail";
  if (c.undecided || c.interrupted || c.table.totals.unknown > 0 || c.table.totals.faults < planned) return "unknown";
  return "pass";
}

export function campaignEvidence(
  r: CampaignResult,
  scope: { engine: string; version: string; method: string; rows: number; startedAt: string; planned: number },
  replayOf: (row: CampaignRow) => string,
): CampaignEvidence {
  const table = campaignTable(r.rows);
  const base = { table, base: r.base, undecided: r.undecided, interrupted: r.interrupted };
  return {
    schema: CAMPAIGN_SCHEMA,
    runId: r.runId,
    engine: scope.engine,
    version: scope.version,
    method: scope.method,
    startedAt: scope.startedAt,
    endedAt: new Date().toISOString(),
    dataSeed: r.seed,
    campaignSeed: r.campaignSeed,
    rows: scope.rows,
    base: r.base,
    timing: r.timing,
    table,
    verdict: campaignVerdict(base, scope.planned),
    undecided: r.undecided,
    interrupted: r.interrupted,
    faults: r.rows.map((row) => ({ ...row, replay: replayOf(row) })),
  };
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The campaign section: the table per file kind, then every fault with its seed, outcome, reason and replay. */
export function campaignHtml(c: CampaignEvidence): string {
  const head = `<tr><th>file kind</th>${CAMPAIGN_OUTCOMES.map((o) => `<th>${esc(o)}</th>`).join("")}<th>total</th></tr>`;
  const line = (name: string, counts: Record<string, number>, total: number) =>
    `<tr><td>${esc(name)}</td>${CAMPAIGN_OUTCOMES.map((o) => `<td class="${counts[o] && (o === "MISSED" || o === "unknown") ? "bad" : ""}">${counts[o]}</td>`).join("")}<td>${total}</td></tr>`;
  const rows = c.faults
    .map(
      (f) =>
        `<tr><td>${f.index}</td><td>${f.seed}</td><td>${esc(f.kind)}</td><td><code>${esc(f.description)}</code></td><td class="${f.outcome === "MISSED" || f.outcome === "unknown" ? "bad" : ""}">${esc(f.outcome)}</td><td>${esc(f.by ?? "")}${f.failedChecks.length > 1 ? ` (also ${esc(f.failedChecks.filter((n) => n !== f.by).join(", "))})` : ""}</td><td>${esc(f.why)}</td><td><code>${esc(f.replay)}</code></td></tr>`,
    )
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>dr-drill campaign ${esc(c.engine)} ${esc(c.version)} ${esc(c.method)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.bad{background:#ffcdd2;font-weight:bold}code{font-size:12px}</style></head><body>
<section id="campaign"><h1>Fault campaign: ${esc(c.engine)} ${esc(c.version)} ${esc(c.method)} — ${esc(c.verdict.toUpperCase())}</h1>
<p>run ${esc(c.runId)}, campaign seed ${c.campaignSeed}, data seed ${c.dataSeed}, ${c.rows} rows; ${c.table.totals.faults} faults, ${c.table.totals.caught} caught,
${c.table.totals.harmless} harmless, ${c.table.totals.unknown} unknown, ${c.table.totals.MISSED} MISSED. Wall time ${esc(formatMs(c.timing.wallMs))}
(backup side ${esc(formatMs(c.timing.sourceMs))}, ${esc(formatMs(c.timing.perFaultMs))} per fault). Base backup: ${c.base.files} files, ${c.base.bytes} bytes,
${c.base.untouched ? "unchanged from the backup to the last fault" : "<b>CHANGED during the campaign</b>"}.${c.undecided ? ` Undecided: ${esc(c.undecided)}` : ""}</p>
<table>${head}${c.table.kinds.map((k) => line(k.kind, k.counts, k.total)).join("")}${line("all", c.table.totals, c.table.totals.faults)}</table>
<table><tr><th>#</th><th>seed</th><th>file kind</th><th>fault</th><th>outcome</th><th>by</th><th>why</th><th>replay</th></tr>
${rows}</table></section></body></html>
`;
}

/** Writes campaign.json and campaign.html into the run's report directory, before it is sealed. */
export async function writeCampaignFiles(dir: string, c: CampaignEvidence): Promise<string[]> {
  await writeFile(join(dir, "campaign.json"), JSON.stringify(c, null, 2) + "\n");
  await writeFile(join(dir, "campaign.html"), campaignHtml(c));
  return ["campaign.json", "campaign.html"];
}
