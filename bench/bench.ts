/**
 * `npm run bench`: dr-drill's phases side by side with the engines' own tools, at several data set sizes, plus the
 * ledger oracle alone. For each engine and size it runs one real `clean` drill (no writers, so the phases do only
 * their own work) and, on a second node loaded with the same seed, the engine's tools alone (bench/baselines.ts).
 * Prints the table and the issue's targets, and writes every figure as JSON.
 *
 *   npm run bench -- [--engines postgres,questdb,neo4j|none] [--sizes 10000,100000] [--out FILE]
 *   (or BENCH_ENGINES, BENCH_SIZES). Without sizes each engine runs the sizes its targets are judged at: PostgreSQL
 *   10k, 100k and 1M rows, QuestDB and Neo4j 10k and 100k.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { newRunId } from "../harness/drill.ts";
import type { Evidence } from "../harness/evidence.ts";
import { ensureDocker } from "../harness/runtime/docker.ts";
import { ENGINES, loadScenario } from "../engines/index.ts";
import { loadavg } from "node:os";
import { neo4jBaseline, postgresBaseline, questdbBaseline, type Baseline, type MeasureBaseline } from "./baselines.ts";
import { formatJudged, sideBySide, targets, type OracleFigures, type SizeFigures } from "./table.ts";

process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true"; // as the CLI: the reaper image cannot be pulled offline; cleanup is by label

const SEED = 20261123;
/** Per engine: the drill's method, the engine's own tools, and the sizes the targets are judged at. */
const BASELINES: Record<string, { method: string; measure: MeasureBaseline; sizes: number[] }> = {
  postgres: { method: "physical", measure: postgresBaseline, sizes: [10_000, 100_000, 1_000_000] },
  questdb: { method: "checkpoint", measure: questdbBaseline, sizes: [10_000, 100_000] },
  neo4j: { method: "dump", measure: neo4jBaseline, sizes: [10_000, 100_000] },
};

function options() {
  const { values } = parseArgs({
    options: { engines: { type: "string" }, sizes: { type: "string" }, out: { type: "string" } },
  });
  const engines = (values.engines ?? process.env.BENCH_ENGINES ?? Object.keys(BASELINES).join(","))
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s && s !== "none");
  for (const e of engines)
    if (!BASELINES[e])
      throw new Error(`--engines: no benchmark for "${e}"; known: ${Object.keys(BASELINES).join(", ")}, or none`);
  const given = values.sizes ?? process.env.BENCH_SIZES;
  const sizes = given?.split(",").map((s) => Number(s.trim()));
  for (const n of sizes ?? [])
    if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes: "${n}" is not a positive whole number of rows`);
  const out = resolve(values.out ?? join("reports", "bench", `bench-${newRunId()}.json`));
  return { engines, sizes, out };
}

/** One real drill of the engine's `clean` scenario: its evidence carries the duration of every phase. */
async function drill(engine: string, rows: number, reportsDir: string): Promise<Evidence> {
  const entry = ENGINES[engine]!;
  const scenario = await loadScenario(engine, "clean");
  const [result] = await scenario.run({
    version: entry.defaultVersion,
    method: BASELINES[engine]!.method,
    restoreInto: null,
    rows,
    seed: SEED,
    writers: 0,
    images: "auto",
    runId: newRunId(),
    reportsDir,
    targets: {},
    keepArtifacts: false,
    replay: () => ({ command: "npm run bench", args: null }),
  });
  return result!.evidence;
}

const phaseMs = (e: Evidence, name: string) => e.phases.find((p) => p.name === name)?.durationMs ?? NaN;

/** The read-back's share of the check, where the drill timed the same canonical read of the source apart. */
function readBackShare(e: Evidence): string {
  const ms = phaseMs(e, "snapshot source");
  return Number.isNaN(ms)
    ? "the canonical read of the source is part of the offline backup's phase, not timed apart"
    : `canonical read-back ≈ ${(ms / 1000).toFixed(2)} s, the rest the oracle, equivalence and invariants`;
}

function figures(engine: string, rows: number, e: Evidence, b: Baseline): SizeFigures {
  return {
    engine,
    version: e.scope.version,
    rows,
    records: e.scope.dataset.recordsLoaded,
    phases: [
      { phase: "backup", engineTool: b.backup.tool, engineMs: b.backup.ms, oursMs: phaseMs(e, "backup") },
      // With no writers the drill reads the source with the same canonical read ("snapshot source"): the read-back's share.
      {
        phase: "read/check",
        engineTool: b.read.tool,
        engineMs: b.read.ms,
        oursMs: phaseMs(e, "check"),
        detail: readBackShare(e),
      },
      { phase: "restore", engineTool: b.restore.tool, engineMs: b.restore.ms, oursMs: phaseMs(e, "restore") },
    ],
  };
}

/** The oracle in a process of its own, so its peak RSS is not the Docker clients'. */
function oracle(records: number): OracleFigures {
  console.log(`[bench] ledger oracle, ${records.toLocaleString("en-US")} keys…`);
  const out = execFileSync(process.execPath, ["--import", "tsx", "bench/checker.bench.ts", String(records), "--json"], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  const line = out.split("\n").find((l) => l.startsWith('{"oracle"'));
  if (!line) throw new Error(`bench/checker.bench.ts printed no figures:\n${out}`);
  return (JSON.parse(line) as { oracle: OracleFigures }).oracle;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const { engines, sizes, out } = options();
const loadAtStart = load();
console.log(`[bench] load average at the start: ${loadAtStart} (the figures mean most on an otherwise idle machine)`);
const measured: SizeFigures[] = [];
const notes: string[] = [];
const scratch = await mkdtemp(join(tmpdir(), "dr-drill-bench-"));
try {
  if (engines.length) await ensureDocker((l) => console.log(`[bench] ${l}`));
  for (const engine of engines) {
    for (const rows of sizes ?? BASELINES[engine]!.sizes) {
      console.log(`[bench] ${engine}, ${rows.toLocaleString("en-US")} rows: a clean drill…`);
      const e = await drill(engine, rows, join(scratch, "reports"));
      if (e.verdict !== "pass")
        notes.push(
          `${engine} ${rows}: the drill's verdict was ${e.verdict} (${e.reasons[0] ?? ""}); its phase times are still shown`,
        );
      console.log(`[bench] ${engine}, ${rows.toLocaleString("en-US")} rows: the engine's own tools alone…`);
      const b = await BASELINES[engine]!.measure(
        e.scope.version,
        rows,
        SEED,
        join(scratch, `baseline-${engine}-${rows}`),
        (l) => console.log(`[bench]   ${l}`),
      );
      measured.push(figures(engine, rows, e, b));
    }
  }
  const oracleFigures = [...new Set(sizes ?? engines.flatMap((e) => BASELINES[e]!.sizes))].map(oracle);
  const table = sideBySide(measured, oracleFigures);
  const judged = targets(measured, oracleFigures);
  console.log(
    `\n${table}\n\nTargets (load average ${load()}):\n${judged.map((j) => `  ${formatJudged(j)}`).join("\n")}${notes.length ? `\n\nNotes:\n${notes.map((n) => `  ${n}`).join("\n")}` : ""}`,
  );
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        seed: SEED,
        cpus: (await import("node:os")).cpus().length,
        loadAverage: { start: loadAtStart, end: load() },
        sizes: measured,
        oracle: oracleFigures,
        targets: judged,
        notes,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`\nFigures: ${out}`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
