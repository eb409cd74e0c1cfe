import type { KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ReplayArgs } from "../harness/evidence.ts";
import { parseImageMode, type ImageMode } from "../harness/runtime/image-mode.ts";
import { loadConfig, type ConfigVocabulary, type DrillConfig } from "../harness/config.ts";
import { loadPrivateKey } from "../harness/report/manifest.ts";
import type { ShardOf } from "../harness/report/run-evidence.ts";
import { retentionDays, type RetentionAsked } from "../harness/report/audit.ts";
import { ENGINES, engineEntry } from "../engines/index.ts";
import { fromInput } from "../harness/errors.ts";
import { UsageError, firstGiven, list, parseDuration } from "./args.ts";
import { runNonce, sliceForShard } from "./shard.ts";
import { writableDirectory } from "./writable.ts";
import { procedureScenarioNames } from "../harness/procedure/scenario-names.ts";
import type { EngineConfig } from "../config/index.ts";

/** `dr-drill run`'s options as the command line parsed them: counts, durations, modes and the shard already checked. */
export interface RunOptions {
  engine?: string;
  version?: string;
  restoreInto?: string;
  method?: string;
  scenario?: string;
  rows?: number;
  seed?: number;
  writers?: number;
  images?: ImageMode;
  rto?: number;
  rpo?: number;
  retention?: number;
  reports?: string;
  signingKey?: string;
  config?: string;
  keepArtifacts?: boolean;
  schema?: string;
  image?: string;
  deepVerify?: boolean;
  shard?: { index: number; count: number };
  runNonce?: string;
}

export const vocabulary = (): ConfigVocabulary => ({
  engines: Object.fromEntries(
    Object.values(ENGINES).map((e) => [
      e.name,
      { versions: e.versions, methods: e.methods, scenarios: e.scenarios.map((s) => s.name) },
    ]),
  ),
});

/** One drill to run, fully resolved from flags, config and defaults: the image mode parsed, not a string to trust. */
export interface DrillRequest extends ReplayArgs {
  images: ImageMode;
  seed?: number;
}

export interface RunPlan {
  drills: DrillRequest[];
  /** Set when the run is one shard of the selection (`--shard i/n`). */
  shard?: ShardOf;
  reports: string;
  targets: { rtoMs?: number; rpoMs?: number };
  /** How long the report is to be kept; undefined: the default. */
  retention: RetentionAsked | undefined;
  signingKey?: KeyObject;
  keepArtifacts: boolean;
  /** Each engine's procedures and checks from the config (harness/procedure/, harness/user-checks.ts). */
  runbooks: Record<string, Pick<EngineConfig, "procedures" | "checks">>;
}

/** A scenario that writes under load, run without writers, would silently be a drill without writes: refused. */
export function refuseNoWriters(drills: ReplayArgs[], said: string): void {
  const underLoad = [
    ...new Set(
      drills
        .filter((d) => engineEntry(d.engine).scenarios.find((s) => s.name === d.scenario)?.writesUnderLoad)
        .map((d) => `${d.engine} ${d.scenario}`),
    ),
  ];
  if (underLoad.length)
    throw new UsageError(
      `${said}, but ${underLoad.join(", ")} write(s) while the backup runs and need at least one writer: give --writers 1 or more, or choose a scenario without writes (see \`dr-drill list\`)`,
    );
}

/** `--image engine=REF[,engine=REF]`: the user's image per engine, each engine known and named once. */
export function parseUserImages(flag: string | undefined, engines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of flag?.split(",").map((x) => x.trim()) ?? []) {
    const at = item.indexOf("=");
    const engine = item.slice(0, Math.max(0, at));
    const ref = item.slice(at + 1);
    if (at < 0 || !engine || !ref)
      throw new UsageError(`--image "${item}": give it as engine=image, e.g. postgres=my/postgis:15`);
    if (!engines.includes(engine))
      throw new UsageError(`--image ${item}: unknown engine "${engine}"; known: ${engines.join(", ")}`);
    if (out[engine]) throw new UsageError(`--image names ${engine} twice`);
    out[engine] = ref;
  }
  return out;
}

/** The scenario that drills the user's own DDL (`--schema`). */
const USER_SCHEMA_SCENARIO = "user-schema";

/** `--schema`'s file, resolved and checked readable before anything starts. */
function userSchema(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`--schema ${file}: no such file`);
  return path;
}

/** `--schema` with no scenario to use it, or the user-schema scenario without a schema: refused, not ignored. */
function refuseSchemaMismatch(drills: DrillRequest[], schema: string | undefined): void {
  const users = drills.filter((d) => d.scenario === USER_SCHEMA_SCENARIO);
  if (schema !== undefined && users.length === 0)
    throw new UsageError(
      `--schema applies to scenario ${USER_SCHEMA_SCENARIO} (PostgreSQL), which no chosen drill runs`,
    );
  if (schema === undefined && users.length > 0)
    throw new UsageError(
      `scenario ${USER_SCHEMA_SCENARIO} drills your own tables: give their DDL with --schema FILE.sql`,
    );
}

/** A config key's name in messages: the file and the key. */
const key = (file: string | null, name: string) => `${file}: ${name}`;

/** Flags override the config file, which overrides the defaults. Everything is checked here, before anything starts. */
export async function planRun(v: RunOptions): Promise<RunPlan> {
  const { config, file } = await loadConfig(vocabulary(), v.config);
  const engineNames = list(v.engine, Object.keys(ENGINES), "--engine", Object.keys(config.engines ?? {}));
  if (engineNames.length === 0)
    throw new UsageError(
      `--engine is required (or engines in the config file); known: ${Object.keys(ENGINES).join(", ")}`,
    );
  const images =
    v.images ??
    parseImageMode(
      ...firstGiven([config.images, key(file, "images")], [process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"]),
    );
  // The config's counts were checked when it loaded (rows at least 1: a drill of no data proves nothing).
  const rows = v.rows ?? config.rows ?? 100_000;
  const writers = v.writers ?? config.writers ?? 4;
  const deepVerify = v.deepVerify ?? config.deepVerify ?? false;
  const writersFrom =
    v.writers !== undefined ? "--writers 0" : config.writers !== undefined ? `${key(file, "writers")}: 0` : "writers 0";
  const seed = v.seed ?? config.seed;
  const target = (flag: number | undefined, value: string | undefined, name: string) =>
    flag ?? (value === undefined ? undefined : parseDuration(value, key(file, name)));
  const rtoMs = target(v.rto, config.targets?.rto, "targets.rto");
  const rpoMs = target(v.rpo, config.targets?.rpo, "targets.rpo");
  const schema = userSchema(v.schema);
  const userImages = parseUserImages(v.image, Object.keys(ENGINES));
  const drills: DrillRequest[] = [];
  for (const name of engineNames) {
    const entry = engineEntry(name);
    const fromConfig = config.engines?.[name] ?? {};
    const procedures = fromConfig.procedures ?? {};
    if (Object.keys(procedures).length && !entry.procedures)
      throw new UsageError(
        `${key(file, `engines.${name}.procedures`)}: ${name} cannot drill procedures of the config yet`,
      );
    const procedureNames = Object.keys(procedures);
    const scenarioNames = [
      ...new Set([...entry.scenarios.map((s) => s.name), ...Object.values(procedures).flatMap(procedureScenarioNames)]),
    ];
    // With several engines, --version, --method and --scenario name values of any of them; each engine takes its own.
    const forThisEngine = (flag: string | undefined, known: string[]) =>
      engineNames.length > 1 && flag !== undefined
        ? flag
            .split(",")
            .map((x) => x.trim())
            .filter((x) => known.includes(x))
            .join(",") || undefined
        : flag;
    const versions = list(
      forThisEngine(v.version, entry.versions),
      entry.versions,
      "--version",
      fromConfig.versions ?? [entry.defaultVersion],
    );
    const methods = list(
      forThisEngine(v.method, [...entry.methods, ...procedureNames]),
      [...entry.methods, ...procedureNames],
      "--method",
      fromConfig.methods ?? entry.methods,
    );
    const scenarios = list(
      forThisEngine(v.scenario ?? (v.schema ? USER_SCHEMA_SCENARIO : undefined), scenarioNames),
      scenarioNames,
      "--scenario",
      fromConfig.scenarios ?? [entry.defaultScenario],
    );
    const image = userImages[name] ?? fromConfig.image;
    const restoreInto =
      v.restoreInto !== undefined
        ? list(v.restoreInto, entry.versions, "--restore-into", [])[0]!
        : (fromConfig.restoreInto ?? null);
    for (const scenarioName of scenarios) {
      const scenario = entry.scenarios.find((s) => s.name === scenarioName);
      // A procedure of the config offers its own scenarios; a built-in method, the scenarios that list it.
      const drillsIt = (m: string) => {
        const procedure = procedures[m];
        return procedure ? procedureScenarioNames(procedure).includes(scenarioName) : scenario?.methods.includes(m);
      };
      // A version matrix backs up on every version unless versions were asked for.
      const versionsAsked = v.version !== undefined || fromConfig.versions !== undefined;
      for (const version of scenario?.versions === "all" && !versionsAsked ? entry.versions : versions) {
        for (const method of methods.filter(drillsIt)) {
          drills.push({
            engine: name,
            version,
            method,
            scenario: scenarioName,
            restoreInto,
            rows,
            writers,
            images,
            seed,
            ...(schema ? { schema } : {}),
            ...(image ? { image } : {}),
            ...(deepVerify ? { deepVerify } : {}),
          });
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
  refuseSchemaMismatch(drills, v.schema);
  if (drills.length === 0)
    throw new UsageError(
      "no drill matches: the chosen scenarios do not apply to the chosen methods (see `dr-drill list`)",
    );
  if (writers === 0) refuseNoWriters(drills, writersFrom);
  if (v.runNonce !== undefined && !v.shard)
    throw new UsageError("--run-nonce binds the shards of one run: give it with --shard");
  const sharded = v.shard ? sliceForShard(drills, v.shard, runNonce(v.runNonce, process.env)) : undefined;
  return {
    drills: sharded ? sharded.drills : drills,
    ...(sharded ? { shard: sharded.shard } : {}),
    reports: reportsRoot(v.reports, config, file),
    targets: { ...(rtoMs === undefined ? {} : { rtoMs }), ...(rpoMs === undefined ? {} : { rpoMs }) },
    retention: retention(v.retention, config, file),
    signingKey: signingKey(v.signingKey, config, file),
    keepArtifacts: Boolean(v.keepArtifacts),
    runbooks: runbooksOf(config, engineNames),
  };
}

/** Each engine's procedures and checks from the config, for the drills of those engines. */
export function runbooksOf(config: DrillConfig, engineNames: string[]): RunPlan["runbooks"] {
  return Object.fromEntries(
    engineNames.map((n) => {
      const { procedures, checks } = config.engines?.[n] ?? {};
      return [n, { ...(procedures ? { procedures } : {}), ...(checks ? { checks } : {}) }];
    }),
  );
}

/** The report root, `--reports` or the config's `reports` (default ./reports), checked writable before anything starts. */
export function reportsRoot(flag: string | undefined, config: DrillConfig, file: string | null): string {
  const [dir, origin] = firstGiven([flag, "--reports"], [config.reports, key(file, "reports")]);
  return writableDirectory(dir ?? "reports", origin === "default" ? "the report root ./reports" : origin);
}

/** How long the report is to be kept: `--retention`, else the config's `retention`, else undefined (the default). */
export function retention(
  flag: number | undefined,
  config: DrillConfig,
  file: string | null,
): RetentionAsked | undefined {
  if (flag !== undefined) return retentionDays(flag, "--retention");
  if (config.retention === undefined) return undefined;
  const origin = key(file, "retention");
  return retentionDays(parseDuration(config.retention, origin), origin);
}

/** The report signing key: `--signing-key`, else `DR_DRILL_SIGNING_KEY` (a PEM file or the PEM itself), else the config. */
export function signingKey(flag: string | undefined, config: DrillConfig, file: string | null): KeyObject | undefined {
  const [source, origin] = firstGiven(
    [flag, "--signing-key"],
    [process.env.DR_DRILL_SIGNING_KEY, "DR_DRILL_SIGNING_KEY"],
    [config.signing?.privateKey, key(file, "signing.privateKey")],
  );
  return source ? fromInput(origin, () => loadPrivateKey(source)) : undefined;
}
