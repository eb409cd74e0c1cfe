import { existsSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { KeyObject } from "node:crypto";
import { newRunId } from "../harness/drill.ts";
import { runScenarios, type RunOutcome } from "../harness/run.ts";
import { guardRun } from "../harness/runtime/resources.ts";
import type { Evidence, ReplayArgs } from "../harness/evidence.ts";
import { ensureDocker } from "../harness/runtime/docker.ts";
import { ImageResolver, parseImageMode, type ImageMode } from "../harness/runtime/images.ts";
import { formatMs } from "../harness/progress.ts";
import { loadConfig, type DrillConfig } from "../harness/config.ts";
import { loadPrivateKey } from "../harness/report/manifest.ts";
import { writeRunReport } from "../harness/report/write.ts";
import { coverageOf, describePlanned, type RunEvidence, type ShardOf } from "../harness/report/run-evidence.ts";
import { ENGINES, engineEntry } from "../engines/index.ts";
import { fromInput } from "../harness/errors.ts";
import { UsageError, firstGiven, list, nonNegativeInt, parse, parseDuration, positiveInt } from "./args.ts";
import { parseShard, runNonce, sliceForShard } from "./shard.ts";
import { replayCampaignFault } from "./campaign.ts";

export const RUN_OPTIONS = {
  engine: { type: "string" },
  version: { type: "string" },
  "restore-into": { type: "string" },
  method: { type: "string" },
  scenario: { type: "string" },
  rows: { type: "string" },
  seed: { type: "string" },
  writers: { type: "string" },
  images: { type: "string" },
  reports: { type: "string" },
  rto: { type: "string" },
  rpo: { type: "string" },
  "signing-key": { type: "string" },
  config: { type: "string" },
  "keep-artifacts": { type: "boolean" },
  shard: { type: "string" },
  "run-nonce": { type: "string" },
} as const;

export const vocabulary = () => ({
  engines: Object.fromEntries(Object.values(ENGINES).map((e) => [e.name, { versions: e.versions, methods: e.methods, scenarios: e.scenarios.map((s) => s.name) }])),
});

/** One drill to run, fully resolved from flags, config and defaults. */
interface DrillRequest extends ReplayArgs {
  seed?: number;
}

interface RunPlan {
  drills: DrillRequest[];
  /** Set when the run is one shard of the selection (`--shard i/n`). */
  shard?: ShardOf;
  reports: string;
  targets: { rtoMs?: number; rpoMs?: number };
  signingKey?: KeyObject;
  keepArtifacts: boolean;
}

/** Flags override the config file, which overrides the defaults. */
export async function planRun(args: string[]): Promise<RunPlan> {
  const { values: v } = parse(args, RUN_OPTIONS);
  const { config, file } = await loadConfig(vocabulary(), typeof v.config === "string" ? v.config : undefined);
  const engineNames = list(v.engine, Object.keys(ENGINES), "--engine", Object.keys(config.engines ?? {}));
  if (engineNames.length === 0) throw new UsageError(`--engine is required (or engines in the config file); known: ${Object.keys(ENGINES).join(", ")}`);
  const images = parseImageMode(...firstGiven([v.images, "--images"], [config.images, `${file}: images`], [process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"]));
  // A drill of no data would compare an empty source with an empty restore: at least one row.
  const rows = positiveInt(v.rows, "--rows", config.rows ?? 100_000);
  const writersFrom = v.writers !== undefined ? "--writers" : config.writers !== undefined ? `${file}: writers` : "default";
  const writers = nonNegativeInt(v.writers, writersFrom, config.writers ?? 4);
  const seed = v.seed === undefined ? config.seed : nonNegativeInt(v.seed, "--seed", 0);
  const rto = typeof v.rto === "string" ? v.rto : config.targets?.rto;
  const rpo = typeof v.rpo === "string" ? v.rpo : config.targets?.rpo;
  const drills: DrillRequest[] = [];
  for (const name of engineNames) {
    const entry = engineEntry(name);
    const fromConfig = config.engines?.[name] ?? {};
    // With several engines, --version, --method and --scenario name values of any of them; each engine takes its own.
    const forThisEngine = (flag: string | boolean | undefined, known: string[]) =>
      engineNames.length > 1 && typeof flag === "string" ? flag.split(",").map((x) => x.trim()).filter((x) => known.includes(x)).join(",") || undefined : flag;
    const versions = list(forThisEngine(v.version, entry.versions), entry.versions, "--version", fromConfig.versions ?? [entry.defaultVersion]);
    const methods = list(forThisEngine(v.method, entry.methods), entry.methods, "--method", fromConfig.methods ?? entry.methods);
    const scenarios = list(forThisEngine(v.scenario, entry.scenarios.map((s) => s.name)), entry.scenarios.map((s) => s.name), "--scenario", fromConfig.scenarios ?? [entry.defaultScenario]);
    const restoreInto = typeof v["restore-into"] === "string" ? list(v["restore-into"], entry.versions, "--restore-into", [])[0]! : (fromConfig.restoreInto ?? null);
    for (const scenarioName of scenarios) {
      const scenario = entry.scenarios.find((s) => s.name === scenarioName)!;
      // A version matrix backs up on every version unless versions were asked for.
      const versionsAsked = v.version !== undefined || fromConfig.versions !== undefined;
      for (const version of scenario.versions === "all" && !versionsAsked ? entry.versions : versions) {
        for (const method of methods.filter((m) => scenario.methods.includes(m))) {
          drills.push({ engine: name, version, method, scenario: scenarioName, restoreInto, rows, writers, images, seed });
        }
      }
    }
  }
  if (engineNames.length > 1) {
    // A value no chosen engine knows is a typo, not a filter.
    for (const [flag, value, known] of [
      ["--version", v.version, engineNames.flatMap((n) => engineEntry(n).versions)],
      ["--method", v.method, engineNames.flatMap((n) => engineEntry(n).methods)],
      ["--scenario", v.scenario, engineNames.flatMap((n) => engineEntry(n).scenarios.map((s) => s.name))],
    ] as const) {
      list(value, [...new Set(known)], flag, []);
    }
  }
  if (drills.length === 0) throw new UsageError("no drill matches: the chosen scenarios do not apply to the chosen methods (see `dr-drill list`)");
  if (writers === 0) refuseNoWriters(drills, writersFrom === "--writers" ? "--writers 0" : `${writersFrom}: 0`);
  if (typeof v["run-nonce"] === "string" && typeof v.shard !== "string") throw new UsageError("--run-nonce binds the shards of one run: give it with --shard");
  const sharded = typeof v.shard === "string" ? shardOfPlan(drills, v.shard, typeof v["run-nonce"] === "string" ? v["run-nonce"] : undefined) : undefined;
  return {
    drills: sharded ? sharded.drills : drills,
    ...(sharded ? { shard: sharded.shard } : {}),
    reports: resolve(typeof v.reports === "string" ? v.reports : (config.reports ?? "reports")),
    targets: { ...(rto ? { rtoMs: parseDuration(rto, "--rto") } : {}), ...(rpo ? { rpoMs: parseDuration(rpo, "--rpo") } : {}) },
    signingKey: signingKey(v["signing-key"], config, file),
    keepArtifacts: Boolean(v["keep-artifacts"]),
  };
}

/** `--shard i/n` of the plan, bound to this run by its nonce. */
function shardOfPlan(drills: DrillRequest[], shard: string, nonce: string | undefined): { drills: DrillRequest[]; shard: ShardOf } {
  const slice = parseShard(shard);
  return sliceForShard(drills, slice, runNonce(nonce, process.env));
}

/** A scenario that writes under load, run without writers, would silently be a drill without writes: refused. */
function refuseNoWriters(drills: DrillRequest[], said: string): void {
  const underLoad = [...new Set(drills.filter((d) => engineEntry(d.engine).scenarios.find((s) => s.name === d.scenario)?.writesUnderLoad).map((d) => `${d.engine} ${d.scenario}`))];
  if (underLoad.length) throw new UsageError(`${said}, but ${underLoad.join(", ")} write(s) while the backup runs and need at least one writer: give --writers 1 or more, or choose a scenario without writes (see \`dr-drill list\`)`);
}

/** The report signing key: `--signing-key`, else `DR_DRILL_SIGNING_KEY` (a PEM file or the PEM itself), else the config. */
function signingKey(flag: string | boolean | undefined, config: DrillConfig, file: string | null): KeyObject | undefined {
  const [source, origin] = firstGiven([flag, "--signing-key"], [process.env.DR_DRILL_SIGNING_KEY, "DR_DRILL_SIGNING_KEY"], [config.signing?.privateKey, `${file}: signing.privateKey`]);
  return source ? fromInput(origin, () => loadPrivateKey(source)) : undefined;
}

function replayCommand(d: ReplayArgs, seed: number): string {
  return [
    "npx dr-drill run",
    `--engine ${d.engine} --version ${d.version} --method ${d.method} --scenario ${d.scenario}`,
    d.restoreInto ? `--restore-into ${d.restoreInto}` : "",
    `--rows ${d.rows} --seed ${seed} --writers ${d.writers} --images ${d.images}`,
  ]
    .filter(Boolean)
    .join(" ");
}

/** Every image the plan names, before the first drill: a missing one stops the run before anything starts. */
async function resolveImages(plan: RunPlan): Promise<void> {
  const seen = new Set<string>();
  for (const d of plan.drills) {
    const resolver = new ImageResolver(d.images as ImageMode, (l) => console.log(`[images] ${l}`));
    for (const version of [d.version, ...(d.restoreInto ? [d.restoreInto] : [])]) {
      const key = `${d.engine}:${version}:${d.images}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await resolver.resolve(engineEntry(d.engine).imageSpec(version));
    }
  }
}

/** Runs the planned drills one after another, then writes and seals the run's report directory. */
export async function executeRun(plan: RunPlan): Promise<number> {
  const runId = newRunId();
  if (plan.shard) console.log(`shard ${plan.shard.index}/${plan.shard.count}: ${plan.drills.length} of the ${plan.shard.planned} planned drill(s) (plan ${plan.shard.plan})`);
  if (plan.drills.length === 0) return emptyShard(plan, runId);
  await ensureDocker(console.log);
  await resolveImages(plan);
  const startedAt = new Date().toISOString();
  const interrupt = new AbortController();
  const unguard = guardRun(runId, console.log, interrupt);
  let outcome: RunOutcome;
  try {
    outcome = await runScenarios(
      plan.drills.map(({ seed, ...args }) => ({
        engine: args.engine,
        scenario: engineEntry(args.engine).scenarios.find((s) => s.name === args.scenario)!,
        request: {
          ...args,
          images: args.images as ImageMode,
          ...(seed === undefined ? {} : { seed }),
          runId,
          reportsDir: plan.reports,
          targets: plan.targets,
          keepArtifacts: plan.keepArtifacts,
          replay: (drill) => {
            const replayArgs = { ...args, version: drill.version, restoreInto: drill.restoreInto };
            return { command: replayCommand(replayArgs, drill.seed), args: replayArgs };
          },
        },
      })),
      interrupt.signal,
    );
  } finally {
    unguard();
  }
  const { results, planned, interrupted } = outcome;
  const report = await writeRunReport({ reportsRoot: plan.reports, runId, startedAt, drills: results, planned, interrupted, targets: plan.targets, shard: plan.shard ?? null, signingKey: plan.signingKey });
  printSummary(report.evidence);
  console.log(`\nReport: ${report.dir}/report.html  (evidence.json, junit.xml, summary.md, manifest.sha256${report.signed ? ", manifest.sig" : ""})`);
  if (interrupted) {
    console.log(`${interrupted}: the evidence of the drill that was running says so, the run is not a pass; nothing of the run is left in Docker.`);
    return interrupt.signal.reason === "SIGTERM" ? 143 : 130;
  }
  return report.evidence.verdict === "pass" ? 0 : 1;
}

/**
 * A shard with nothing to run (more shards than planned drills) still writes its sealed, empty report, so that
 * `merge-reports` sees every shard of the plan; it needs no Docker and succeeds.
 */
async function emptyShard(plan: RunPlan, runId: string): Promise<number> {
  await mkdir(join(plan.reports, runId), { recursive: true });
  const report = await writeRunReport({ reportsRoot: plan.reports, runId, startedAt: new Date().toISOString(), drills: [], planned: [], interrupted: null, targets: plan.targets, shard: plan.shard ?? null, signingKey: plan.signingKey });
  console.log(`Nothing to run in this shard. Report: ${report.dir} (empty, for merge-reports)`);
  return 0;
}

function printSummary(run: RunEvidence): void {
  console.log(`\n${run.verdict.toUpperCase()}: ${run.counts.passed} of ${run.counts.drills} drill(s) did what their scenario expected (${run.planned.count} planned)`);
  for (const e of run.drills) {
    const rto = e.achieved.rtoMs === null ? "n/a" : formatMs(e.achieved.rtoMs);
    const rpo = e.achieved.rpoMs === null ? "n/a" : formatMs(e.achieved.rpoMs);
    const expect = e.expectation.outcome === "pass" && e.expectation.met ? "" : ` (expected ${e.expectation.outcome}: ${e.expectation.met ? "met" : `NOT MET, ${e.expectation.why}`})`;
    console.log(`  ${e.verdict.toUpperCase().padEnd(7)} ${e.scope.engine} ${e.scope.version}→${e.scope.restoreTarget.version} ${e.scope.backupMethod.padEnd(8)} ${e.scenario.padEnd(14)} RTO ${rto.padEnd(7)} RPO ${rpo.padEnd(7)}${expect}`);
  }
  for (const p of coverageOf(run).notRun) console.log(`  NOT RUN ${describePlanned(p)}`);
}

export async function run(args: string[]): Promise<number> {
  return executeRun(await planRun(args));
}

/** Finds a drill in past reports by id or seed (newest run first) and runs it again with the same arguments and data. */
export async function replay(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, { reports: { type: "string" }, config: { type: "string" } }, true);
  const wanted = positionals[0];
  if (!wanted || positionals.length > 1) throw new UsageError("replay takes one drill id or seed: dr-drill replay <drill id | seed>");
  const { config, file } = await loadConfig(vocabulary(), typeof v.config === "string" ? v.config : undefined);
  const reports = resolve(typeof v.reports === "string" ? v.reports : (config.reports ?? "reports"));
  const found = await findDrill(reports, wanted);
  if (!found) throw new UsageError(`no drill with id or seed "${wanted}" in ${reports}`);
  if (!found.replay.args) throw new UsageError(`drill ${found.drillId} was not started by \`dr-drill run\`; replay it with: ${found.replay.command}`);
  const a = found.replay.args;
  if (a.writers === 0) refuseNoWriters([a], `drill ${found.drillId} was run with 0 writers`);
  if (a.fault) return replayCampaignFault({ ...a, fault: a.fault }, found.scope.seed, reports);
  console.log(`replaying ${found.drillId} (seed ${found.scope.seed}) from ${found.startedAt}`);
  return executeRun({ drills: [{ ...a, seed: found.scope.seed }], reports, targets: found.targets, signingKey: signingKey(undefined, config, file), keepArtifacts: false });
}

async function findDrill(reports: string, wanted: string): Promise<Evidence | undefined> {
  if (!existsSync(reports)) return undefined;
  const runs = (await readdir(reports, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort().reverse();
  for (const runId of runs) {
    const path = join(reports, runId, "evidence.json");
    if (!existsSync(path)) continue;
    const evidence = JSON.parse(await readFile(path, "utf8")) as RunEvidence;
    const hit = evidence.drills.find((d) => d.drillId === wanted || String(d.scope.seed) === wanted);
    if (hit) return hit;
  }
  return undefined;
}
