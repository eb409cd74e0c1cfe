/**
 * Benchmark of the ledger oracle: N keys loaded, a tenth of them updated, the restored state with every value present.
 * Prints wall time, keys checked per second and peak memory, so the claim "checking a million records needs no
 * million objects in memory" is a figure, not a hope. Usage: npx tsx bench/checker.bench.ts [records=1000000] [--json]
 * (`--json` adds one line of figures for bench/bench.ts, which runs this in a process of its own so RSS is the oracle's).
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DrillClock } from "../harness/clock.ts";
import { Ledger } from "../harness/ledger.ts";
import { RecordFile } from "../harness/records.ts";
import { checkAgainstLedger } from "../harness/checkers/ledger-oracle.ts";

const records = Number(process.argv.slice(2).find((a) => a !== "--json") ?? 1_000_000);
const dir = await mkdtemp(join(tmpdir(), "dr-drill-bench-"));
const digest = (s: string) => createHash("sha256").update(s).digest("hex");
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

try {
  const clock = new DrillClock();
  const ledger = new Ledger(join(dir, "ledger.jsonl"), clock);
  const restored = new RecordFile(join(dir, "restored.tsv"));
  let t = performance.now();
  for (let batch = 0; batch < records; batch += 1000) {
    const writes = [];
    for (let i = batch; i < Math.min(records, batch + 1000); i++) writes.push({ key: `t/${i}`, digest: digest(`v1-${i}`), preview: `(${i},1)` });
    ledger.append({ seq: 0, process: "loader", op: "load", invokeAt: batch, completeAt: batch + 0.5, outcome: "ok", writes });
  }
  for (let i = 0; i < records; i += 10) {
    ledger.append({ seq: 0, process: "w", op: "update", invokeAt: records + i, completeAt: records + i + 0.5, outcome: "ok", writes: [{ key: `t/${i}`, digest: digest(`v2-${i}`) }] });
  }
  for (let i = 0; i < records; i++) await restored.add({ key: `t/${i}`, digest: digest(i % 10 === 0 ? `v2-${i}` : `v1-${i}`), preview: "" });
  await ledger.close();
  await restored.close();
  const prepared = performance.now() - t;
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  t = performance.now();
  const result = await checkAgainstLedger({ ledgerPath: ledger.path, restoredPath: restored.path, window: { start: 10 * records, end: 10 * records + 1 }, model: { consistency: "point-in-time" }, workDir: dir });
  const checkMs = performance.now() - t;
  clearInterval(sampler);
  console.log(`records:            ${records.toLocaleString("en-US")} (+${(records / 10).toLocaleString("en-US")} updates)`);
  console.log(`verdict:            ${result.valid} — ${result.summary}`);
  console.log(`prepare files:      ${(prepared / 1000).toFixed(1)} s`);
  console.log(`check (sort+merge): ${(checkMs / 1000).toFixed(1)} s, ${Math.round(records / (checkMs / 1000)).toLocaleString("en-US")} keys/s`);
  console.log(`memory:             RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before the check, peak ${(peakRss / 2 ** 20).toFixed(0)} MiB during it`);
  if (process.argv.includes("--json")) console.log(JSON.stringify({ oracle: { records, valid: result.valid, checkMs, keysPerSecond: records / (checkMs / 1000), rssBeforeMiB: rssBefore / 2 ** 20, peakRssMiB: peakRss / 2 ** 20 } }));
} finally {
  clearInterval(sampler);
  await rm(dir, { recursive: true, force: true });
}
