import { CAMPAIGN_OUTCOMES, isCaught, type CampaignOutcome } from "./classify.ts";
import type { CampaignRow } from "./run.ts";

export type OutcomeCounts = Record<CampaignOutcome, number>;

export interface KindLine {
  kind: string;
  counts: OutcomeCounts;
  total: number;
}

export interface CampaignTable {
  kinds: KindLine[];
  totals: OutcomeCounts & { faults: number; caught: number };
}

const zero = (): OutcomeCounts => Object.fromEntries(CAMPAIGN_OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;

/** Counts per file kind and outcome, kinds in name order, and the totals; `caught` never includes `unknown`. */
export function campaignTable(rows: readonly Pick<CampaignRow, "kind" | "outcome">[]): CampaignTable {
  const byKind = new Map<string, OutcomeCounts>();
  const totals = zero();
  for (const r of rows) {
    const counts = byKind.get(r.kind) ?? zero();
    counts[r.outcome]++;
    byKind.set(r.kind, counts);
    totals[r.outcome]++;
  }
  const kinds = [...byKind]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, counts]) => ({ kind, counts, total: CAMPAIGN_OUTCOMES.reduce((n, o) => n + counts[o], 0) }));
  const caught = CAMPAIGN_OUTCOMES.filter(isCaught).reduce((n, o) => n + totals[o], 0);
  return { kinds, totals: { ...totals, faults: rows.length, caught } };
}

/** The table in Markdown, for docs/campaign.md and the step summary. */
export function markdownTable(t: CampaignTable): string {
  const head = `| file kind | ${CAMPAIGN_OUTCOMES.join(" | ")} | total |`;
  const rule = `|---|${CAMPAIGN_OUTCOMES.map(() => "---:").join("|")}|---:|`;
  const line = (name: string, c: OutcomeCounts, total: number) =>
    `| ${name} | ${CAMPAIGN_OUTCOMES.map((o) => c[o]).join(" | ")} | ${total} |`;
  return [
    head,
    rule,
    ...t.kinds.map((k) => line(k.kind, k.counts, k.total)),
    line("**all**", t.totals, t.totals.faults),
  ].join("\n");
}
