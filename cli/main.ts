import { parseArgs, type ParseArgsConfig } from "node:util";
import { runDrill, newRunId, type WorkloadPlan } from "../harness/drill.ts";
import { ensureDocker, DockerUnavailableError } from "../harness/runtime/docker.ts";
import { ImageResolver, ImageUnavailableError, parseImageMode } from "../harness/runtime/images.ts";
import { removeManaged } from "../harness/runtime/resources.ts";
import { formatMs } from "../harness/progress.ts";
import { ENGINES, engineEntry } from "../engines/index.ts";

process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true"; // the reaper image cannot be pulled offline; we clean up by label

const USAGE = `dr-drill — disaster-recovery drills: back up under load, destroy, restore, check every record.

Usage:
  dr-drill run --engine <name> [options]   run drills and write their evidence
  dr-drill setup [--images MODE]           start Docker if needed and prepare the engine images
  dr-drill cleanup                         remove containers and volumes left by crashed runs (ours only, by label)

run options:
  --engine NAME         engine to drill (${Object.keys(ENGINES).join(", ")})
  --version V[,V]       engine version(s) (default: the engine's default)
  --restore-into V      restore into another version (pre-upgrade check)
  --method M[,M]        backup method(s) (default: all the engine has)
  --rows N              rows in the generated data set (default 100000)
  --seed N              data seed (default: random, printed; pass it back to replay)
  --writers N           concurrent writers during the backup (default 4)
  --no-load             no writes during the backup: the restored state must equal the source exactly
  --images MODE         official | offline | auto (default: $DR_DRILL_IMAGES or auto)
  --reports DIR         where evidence goes (default ./reports)
  --rto DURATION        RTO target, e.g. 90s or 2m: a drill that misses it fails
  --rpo DURATION        RPO target
  --keep-artifacts      keep backups and sorted files next to the evidence`;

/** A usage error: the message names the bad flag or value and what is accepted. */
class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await run(rest);
      case "setup":
        return await setup(rest);
      case "cleanup": {
        await ensureDocker(console.log);
        const removed = await removeManaged();
        console.log(`removed ${removed.containers} container(s), ${removed.volumes} volume(s), ${removed.networks} network(s) labelled dr-drill.managed`);
        return 0;
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"; use run, setup or cleanup`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`dr-drill: ${err.message}\nRun \`dr-drill help\` for the commands and options.`);
      return 2;
    }
    if (err instanceof DockerUnavailableError || err instanceof ImageUnavailableError) {
      console.error(`dr-drill: ${err.message}`);
      return 3;
    }
    console.error(`dr-drill: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) throw new UsageError(`${flag} "${value}" is not a duration; use e.g. 500ms, 90s, 2m`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

function positiveInt(value: string | boolean | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got "${value}"`);
  return n;
}

function list(value: string | boolean | undefined, allowed: string[], flag: string, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  const items = String(value).split(",").map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item)) throw new UsageError(`${flag}: unknown value "${item}"; known: ${allowed.join(", ")}`);
  return items;
}

async function run(args: string[]): Promise<number> {
  const v = parse(args, {
    engine: { type: "string" },
    version: { type: "string" },
    "restore-into": { type: "string" },
    method: { type: "string" },
    rows: { type: "string" },
    seed: { type: "string" },
    writers: { type: "string" },
    "no-load": { type: "boolean" },
    images: { type: "string" },
    reports: { type: "string" },
    rto: { type: "string" },
    rpo: { type: "string" },
    "keep-artifacts": { type: "boolean" },
  });
  if (!v.engine) throw new UsageError("--engine is required");
  const entry = (() => {
    try {
      return engineEntry(String(v.engine));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  })();
  const versions = list(v.version, entry.versions, "--version", [entry.defaultVersion]);
  const restoreInto = v["restore-into"] === undefined ? undefined : list(v["restore-into"], entry.versions, "--restore-into", [])[0];
  const methods = list(v.method, entry.methods, "--method", entry.methods);
  const rows = positiveInt(v.rows, "--rows", 100_000);
  const seed = v.seed === undefined ? undefined : positiveInt(v.seed, "--seed", 0);
  const writers = positiveInt(v.writers, "--writers", 4);
  const imageMode = parseImageMode(typeof v.images === "string" ? v.images : process.env.DR_DRILL_IMAGES, "--images");
  const targets = { ...(v.rto ? { rtoMs: parseDuration(String(v.rto), "--rto") } : {}), ...(v.rpo ? { rpoMs: parseDuration(String(v.rpo), "--rpo") } : {}) };
  const workload: WorkloadPlan | undefined =
    v["no-load"] || writers === 0 ? undefined : { writers, maxOps: 500_000, maxMs: 10 * 60_000, leadInOps: 20 * writers, tailMs: 1_000 };

  await ensureDocker(console.log);
  const runId = newRunId();
  const results = [];
  for (const version of versions) {
    for (const method of methods) {
      const replay = (s: number) =>
        [
          "npx dr-drill run",
          `--engine ${entry.name} --version ${version} --method ${method}`,
          restoreInto ? `--restore-into ${restoreInto}` : "",
          `--rows ${rows} --seed ${s}`,
          workload ? `--writers ${writers}` : "--no-load",
          `--images ${imageMode}`,
        ]
          .filter(Boolean)
          .join(" ");
      const result = await runDrill({
        scenario: "cli",
        engine: entry.create(version, method),
        restoreInto: restoreInto ? entry.create(restoreInto, method) : undefined,
        seed,
        rows,
        workload,
        targets,
        imageMode,
        reportsDir: typeof v.reports === "string" ? v.reports : "reports",
        runId,
        replayCommand: replay,
        keepArtifacts: Boolean(v["keep-artifacts"]),
      });
      results.push(result);
    }
  }
  console.log("\nSummary");
  for (const { evidence: e, evidencePath } of results) {
    const rto = e.achieved.rtoMs === null ? "n/a" : formatMs(e.achieved.rtoMs);
    const rpo = e.achieved.rpoMs === null ? "n/a" : formatMs(e.achieved.rpoMs);
    console.log(`  ${e.verdict.toUpperCase().padEnd(7)} ${e.scope.engine} ${e.scope.version} ${e.scope.backupMethod.padEnd(8)} RTO ${rto.padEnd(7)} RPO ${rpo.padEnd(7)} ${evidencePath}`);
  }
  return results.every((r) => r.evidence.verdict === "pass") ? 0 : 1;
}

async function setup(args: string[]): Promise<number> {
  const v = parse(args, { images: { type: "string" }, engine: { type: "string" }, version: { type: "string" } });
  const mode = parseImageMode(typeof v.images === "string" ? v.images : process.env.DR_DRILL_IMAGES, "--images");
  await ensureDocker(console.log);
  const engines = list(v.engine, Object.keys(ENGINES), "--engine", Object.keys(ENGINES)).map(engineEntry);
  const resolver = new ImageResolver(mode, (l) => console.log(`[setup] ${l}`));
  for (const entry of engines) for (const version of list(v.version, entry.versions, "--version", entry.versions)) {
    const image = await resolver.resolve(entry.imageSpec(version));
    console.log(`[setup] ${entry.name} ${version}: ${image.ref} (${image.source}, ${image.id.slice(0, 19)})`);
  }
  return 0;
}
