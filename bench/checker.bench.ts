/**
 * Benchmark of the ledger oracle: N keys loaded, a tenth of them updated, the restored state with every value present.
 * The files are prepared in this process; the check runs in a fresh process of its own, so its memory is the
 * oracle's and not the preparation's garbage. Its peak is the resident memory of that process and its children (GNU
 * sort, which runs while the oracle waits) added up, sampled every 20 ms from /proc (Linux).
 * Usage: npx tsx bench/checker.bench.ts [records=1000000] [--json]   (`--json` adds one line of figures for bench.ts)
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DrillClock } from "../harness/clock.ts";
import { Ledger } from "../harness/ledger.ts";
import { RecordFile } from "../harness/records.ts";
import { checkAgainstLedger } from "../harness/checkers/ledger-oracle.ts";

const digest = (s: string) => createHash("sha256").update(s).digest("hex");
const MiB = 2 ** 20;
const breathe = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Resident memory of a process and all its descendants, in bytes (0 for one that is gone). */
function treeRss(pid: number): number {
  try {
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
    return rss + children.reduce((n, c) => n + treeRss(c), 0);
  } catch {
    return 0;
  }
}

async function prepare(dir: string, records: number): Promise<{ ledgerPath: string; restoredPath: string }> {
  const clock = new DrillClock();
  const ledger = new Ledger(join(dir, "ledger.jsonl"), clock);
  const restored = new RecordFile(join(dir, "restored.tsv"));
  for (let batch = 0; batch < records; batch += 1000) {
    const writes = [];
    for (let i = batch; i < Math.min(records, batch + 1000); i++)
      writes.push({ key: `t/${i}`, digest: digest(`v1-${i}`), preview: `(${i},1)` });
    ledger.append({
      seq: 0,
      process: "loader",
      op: "load",
      invokeAt: batch,
      completeAt: batch + 0.5,
      outcome: "ok",
      writes,
    });
    if (batch % 100_000 === 0) await breathe(); // lets the ledger's stream reach the disk: 10M keys would not fit in memory
  }
  for (let i = 0; i < records; i += 10) {
    ledger.append({
      seq: 0,
      process: "w",
      op: "update",
      invokeAt: records + i,
      completeAt: records + i + 0.5,
      outcome: "ok",
      writes: [{ key: `t/${i}`, digest: digest(`v2-${i}`) }],
    });
    if (i % 100_000 === 0) await breathe();
  }
  for (let i = 0; i < records; i++)
    await restored.add({ key: `t/${i}`, digest: digest(i % 10 === 0 ? `v2-${i}` : `v1-${i}`), preview: "" });
  await ledger.close();
  await restored.close();
  return { ledgerPath: ledger.path, restoredPath: restored.path };
}

/** The check alone, in this (fresh) process: prints one JSON line of figures. */
async function checkOnly(dir: string, records: number): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  let peak = treeRss(process.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, treeRss(process.pid))), 20);
  const t = performance.now();
  const result = await checkAgainstLedger({
    ledgerPath: join(dir, "ledger.jsonl"),
    restoredPath: join(dir, "restored.tsv"),
    window: { start: 10 * records, end: 10 * records + 1 },
    model: { consistency: "point-in-time" },
    workDir: dir,
  });
  const checkMs = performance.now() - t;
  clearInterval(sampler);
  peak = Math.max(peak, treeRss(process.pid));
  const figures = {
    records,
    valid: result.valid,
    summary: result.summary,
    checkMs,
    keysPerSecond: records / (checkMs / 1000),
    rssBeforeMiB: rssBefore / MiB,
    peakRssMiB: peak / MiB,
    peakOwnRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
  };
  console.log(JSON.stringify({ oracle: figures }));
}

const args = process.argv.slice(2);
if (args[0] === "--check") {
  await checkOnly(args[1]!, Number(args[2]));
} else {
  const records = Number(args.find((a) => !a.startsWith("--")) ?? 1_000_000);
  const dir = await mkdtemp(join(tmpdir(), "dr-drill-bench-"));
  try {
    const t = performance.now();
    await prepare(dir, records);
    const prepared = performance.now() - t;
    if (!existsSync(join(dir, "restored.tsv"))) throw new Error("preparation wrote no restored state");
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", new URL(import.meta.url).pathname, "--check", dir, String(records)],
      { encoding: "utf8", maxBuffer: 1 << 24 },
    );
    const line = out.split("\n").find((l) => l.startsWith('{"oracle"'));
    if (!line) throw new Error(`the check printed no figures:\n${out}`);
    const o = (
      JSON.parse(line) as {
        oracle: {
          valid: boolean;
          summary: string;
          checkMs: number;
          keysPerSecond: number;
          rssBeforeMiB: number;
          peakRssMiB: number;
          peakOwnRssMiB: number;
        };
      }
    ).oracle;
    console.log(
      `records:            ${records.toLocaleString("en-US")} (+${(records / 10).toLocaleString("en-US")} updates)`,
    );
    console.log(`verdict:            ${o.valid} — ${o.summary}`);
    console.log(`prepare files:      ${(prepared / 1000).toFixed(1)} s (in the parent process)`);
    console.log(
      `check (sort+merge): ${(o.checkMs / 1000).toFixed(1)} s, ${Math.round(o.keysPerSecond).toLocaleString("en-US")} keys/s`,
    );
    console.log(
      `memory:             RSS ${o.rssBeforeMiB.toFixed(0)} MiB at the start of the check; peak ${o.peakRssMiB.toFixed(0)} MiB with sort (the oracle process alone: ${o.peakOwnRssMiB.toFixed(0)} MiB)`,
    );
    if (args.includes("--json")) console.log(line);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
