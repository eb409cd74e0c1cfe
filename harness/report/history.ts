import { existsSync } from "node:fs";
import { appendFile, readFile } from "node:fs/promises";
import type { RunEvidence } from "./run-evidence.ts";

/** One line per run in `<reports>/history.jsonl`: enough to draw RTO/RPO trends across runs. */
export interface HistoryEntry {
  runId: string;
  endedAt: string;
  verdict: RunEvidence["verdict"];
  drills: { key: string; verdict: string; rtoMs: number | null; rpoMs: number | null; records: number }[];
}

/** Drills compare across runs by what they exercise, not by id (ids carry the seed). */
export function drillKey(d: RunEvidence["drills"][number]): string {
  const to = d.scope.restoreTarget.version !== d.scope.version ? `→${d.scope.restoreTarget.version}` : "";
  return `${d.scope.engine} ${d.scope.version}${to} ${d.scope.backupMethod} ${d.scenario}`;
}

export function historyEntry(run: RunEvidence): HistoryEntry {
  return {
    runId: run.runId,
    endedAt: run.endedAt,
    verdict: run.verdict,
    drills: run.drills.map((d) => ({
      key: drillKey(d),
      verdict: d.verdict,
      rtoMs: d.achieved.rtoMs,
      rpoMs: d.achieved.rpoMs,
      records: d.scope.dataset.recordsLoaded,
    })),
  };
}

export async function appendHistory(path: string, entry: HistoryEntry): Promise<void> {
  await appendFile(path, JSON.stringify(entry) + "\n");
}

/** The last `limit` runs, oldest first; a damaged line is skipped rather than failing the report. */
export async function readHistory(path: string, limit = 30): Promise<HistoryEntry[]> {
  if (!existsSync(path)) return [];
  const entries: HistoryEntry[] = [];
  for (const line of (await readFile(path, "utf8")).split("\n")) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as HistoryEntry);
    } catch {
      // skipped: history is a convenience for trends, never a reason to lose a report
    }
  }
  return entries.slice(-limit);
}
