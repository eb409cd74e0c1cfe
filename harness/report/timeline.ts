import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Evidence } from "../evidence.ts";
import type { LedgerEntry, Outcome } from "../ledger.ts";

/** What the report draws for one drill: phases on a time axis, and the write load under them. */
export interface DrillTimeline {
  durationMs: number;
  phases: { name: string; startMs: number; durationMs: number }[];
  backupWindow: { startMs: number; endMs: number } | null;
  bucketMs: number;
  /** Workload ops completed per bucket, by outcome. */
  throughput: Record<Outcome, number[]>;
  /** A sample of workload ops: completion time, latency, outcome. */
  latency: { t: number; ms: number; outcome: Outcome }[];
}

const BUCKETS = 120;
const MAX_POINTS = 1500;

/** Reads a drill's ledger once, streaming, into fixed-size series (a million writes draw as 120 bars and 1500 dots). */
export async function drillTimeline(evidence: Evidence, ledgerPath: string): Promise<DrillTimeline> {
  const origin = Date.parse(evidence.startedAt);
  const durationMs = Math.max(1, Date.parse(evidence.endedAt) - origin);
  const bucketMs = Math.max(1, Math.ceil(durationMs / BUCKETS));
  const throughput: DrillTimeline["throughput"] = {
    ok: new Array(BUCKETS).fill(0),
    fail: new Array(BUCKETS).fill(0),
    info: new Array(BUCKETS).fill(0),
  };
  const ops: DrillTimeline["latency"] = [];
  let seen = 0;
  if (existsSync(ledgerPath)) {
    for await (const line of createInterface({ input: createReadStream(ledgerPath), crlfDelay: Infinity })) {
      if (!line) continue;
      const e = JSON.parse(line) as LedgerEntry;
      if (e.op === "load" || !Number.isFinite(e.completeAt) || !(e.outcome in throughput)) continue;
      const bucket = Math.min(BUCKETS - 1, Math.floor(e.completeAt / bucketMs));
      throughput[e.outcome][bucket]!++;
      // Reservoir sampling keeps an unbiased sample of bounded size.
      seen++;
      const point = { t: e.completeAt, ms: e.completeAt - e.invokeAt, outcome: e.outcome };
      if (ops.length < MAX_POINTS) ops.push(point);
      else {
        const j = Math.floor(Math.random() * seen);
        if (j < MAX_POINTS) ops[j] = point;
      }
    }
  }
  const rp = evidence.scope.recoveryPoint;
  return {
    durationMs,
    phases: evidence.phases.map((p) => ({
      name: p.name,
      startMs: Date.parse(p.startedAt) - origin,
      durationMs: p.durationMs,
    })),
    backupWindow: rp.backupStartedAt
      ? { startMs: Date.parse(rp.backupStartedAt) - origin, endMs: Date.parse(rp.backupEndedAt) - origin }
      : null,
    bucketMs,
    throughput,
    latency: ops.sort((a, b) => a.t - b.t),
  };
}
