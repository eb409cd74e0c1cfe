import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DrillConfig, EngineConfig } from "../config/index.ts";
import { InputError } from "./errors.ts";
import { IMAGE_MODES } from "./runtime/image-mode.ts";
import { z, type ZodType } from "zod";
import { firstIssue, proceduresSchema, userChecksSchema } from "./procedure/config-schema.ts";
import { procedureScenarioNames } from "./procedure/scenario-names.ts";

/**
 * The typed configuration file, `dr-drill.config.ts`:
 *
 *   import { defineConfig } from "dr-drill/config";
 *   export default defineConfig({ targets: { rto: "2m", rpo: "30s" }, engines: { postgres: { versions: ["15", "17"] } } });
 *
 * Command-line flags override it. Every key is checked: a typo is an error that names the key.
 */
export { defineConfig, type DrillConfig, type EngineConfig } from "../config/index.ts";

/** A configuration problem, naming the file and the key. */
export class ConfigError extends InputError {}

export interface ConfigVocabulary {
  engines: Record<string, { versions: string[]; methods: string[]; scenarios: string[] }>;
}

type Shape =
  "string" | "count" | "positive count" | "string[]" | { [key: string]: Shape } | { record: Shape } | { zod: ZodType };

const ENGINE_SHAPE: Shape = {
  versions: "string[]",
  methods: "string[]",
  scenarios: "string[]",
  restoreInto: "string",
  procedures: { zod: proceduresSchema },
  checks: { zod: userChecksSchema },
};
const CONFIG_SHAPE: Shape = {
  reports: "string",
  images: "string",
  // A drill of no data would compare an empty source with an empty restore: at least one row.
  rows: "positive count",
  writers: "count",
  seed: "count",
  targets: { rto: "string", rpo: "string" },
  engines: { record: ENGINE_SHAPE },
  signing: { privateKey: "string", publicKey: "string" },
};

function checkShape(value: unknown, shape: Shape, path: string, file: string): void {
  const fail = (what: string) => {
    throw new ConfigError(`${file}: ${path || "(top level)"} ${what}`);
  };
  if (typeof shape === "object" && "zod" in shape && shape.zod instanceof z.ZodType) {
    const parsed = shape.zod.safeParse(value);
    if (!parsed.success) throw new ConfigError(`${file}: ${firstIssue(parsed.error, path)}`);
  } else if (shape === "string") {
    if (typeof value !== "string") fail(`must be a string, got ${JSON.stringify(value)}`);
  } else if (shape === "count" || shape === "positive count") {
    const min = shape === "count" ? 0 : 1;
    if (!Number.isInteger(value) || (value as number) < min)
      fail(`must be a ${min === 0 ? "non-negative" : "positive"} integer, got ${JSON.stringify(value)}`);
  } else if (shape === "string[]") {
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
      fail(`must be a list of strings, got ${JSON.stringify(value)}`);
  } else if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`must be an object, got ${JSON.stringify(value)}`);
  } else if ("record" in shape && Object.keys(shape).length === 1) {
    for (const [k, v] of Object.entries(value)) checkShape(v, shape.record as Shape, path ? `${path}.${k}` : k, file);
  } else {
    const known = shape as Record<string, Shape>;
    for (const [k, v] of Object.entries(value)) {
      const key = path ? `${path}.${k}` : k;
      if (!(k in known))
        throw new ConfigError(`${file}: unknown key "${key}"; known keys here: ${Object.keys(known).join(", ")}`);
      if (v !== undefined) checkShape(v, known[k]!, key, file);
    }
  }
}

/** Checks a configuration's shape and its engine, version, method and scenario names. */
export function validateConfig(raw: unknown, file: string, vocabulary: ConfigVocabulary): DrillConfig {
  checkShape(raw, CONFIG_SHAPE, "", file);
  const config = raw as DrillConfig;
  if (config.images !== undefined && !IMAGE_MODES.includes(config.images)) {
    throw new ConfigError(`${file}: images "${config.images}" is not one of ${IMAGE_MODES.join(", ")}`);
  }
  for (const [name, engine] of Object.entries(config.engines ?? {})) {
    const known = vocabulary.engines[name];
    if (!known)
      throw new ConfigError(
        `${file}: engines.${name} is not a known engine; known: ${Object.keys(vocabulary.engines).join(", ")}`,
      );
    // The config's own procedures are methods of this engine, drilled by the procedure scenarios.
    const procedures = Object.keys(engine.procedures ?? {});
    const lists: [keyof EngineConfig, string[] | undefined, string[]][] = [
      ["versions", engine.versions, known.versions],
      ["methods", engine.methods, [...known.methods, ...procedures]],
      [
        "scenarios",
        engine.scenarios,
        [...known.scenarios, ...Object.values(engine.procedures ?? {}).flatMap(procedureScenarioNames)],
      ],
      ["restoreInto", engine.restoreInto === undefined ? undefined : [engine.restoreInto], known.versions],
    ];
    for (const [key, values, allowed] of lists) {
      for (const v of values ?? [])
        if (!allowed.includes(v))
          throw new ConfigError(
            `${file}: engines.${name}.${key} has unknown value "${v}"; known: ${allowed.join(", ")}`,
          );
    }
  }
  return config;
}

export const CONFIG_FILE = "dr-drill.config.ts";

/**
 * A tsconfig whose `paths` map `dr-drill/config` to this package's own, for a config file whose project does not
 * install dr-drill (a global install): the README's `import { defineConfig } from "dr-drill/config"` then still loads.
 */
const OWN_CONFIG_PATHS = fileURLToPath(new URL("../config/loader.tsconfig.json", import.meta.url));

function resolvesConfigModule(file: string): boolean {
  try {
    createRequire(file).resolve("dr-drill/config");
    return true;
  } catch {
    return false;
  }
}

/** Imports a TypeScript (or JavaScript) config file through tsx, which is loaded only when there is a file. */
async function importConfig(file: string): Promise<unknown> {
  const { tsImport } = await import("tsx/esm/api");
  const tsconfig = resolvesConfigModule(file) ? undefined : OWN_CONFIG_PATHS;
  // tsx reads the tsconfig for a CommonJS config from the environment, for an ES module one from the option.
  const previous = process.env.TSX_TSCONFIG_PATH;
  if (tsconfig) process.env.TSX_TSCONFIG_PATH = tsconfig;
  try {
    // tsImport, not import(): in a project without "type": "module", import() of a .ts config fails ("in a cycle").
    return (
      (await tsImport(pathToFileURL(file).href, { parentURL: import.meta.url, ...(tsconfig ? { tsconfig } : {}) })) as {
        default?: unknown;
      }
    ).default;
  } finally {
    if (previous === undefined) delete process.env.TSX_TSCONFIG_PATH;
    else process.env.TSX_TSCONFIG_PATH = previous;
  }
}

/** Loads `dr-drill.config.ts` from `cwd` (or the given path); no file means an empty configuration. */
export async function loadConfig(
  vocabulary: ConfigVocabulary,
  path?: string,
  cwd = process.cwd(),
): Promise<{ config: DrillConfig; file: string | null }> {
  const file = resolve(cwd, path ?? CONFIG_FILE);
  if (!existsSync(file)) {
    if (path) throw new ConfigError(`config file not found: ${file}`);
    return { config: {}, file: null };
  }
  let exported: unknown;
  try {
    exported = await importConfig(file);
  } catch (err) {
    throw new ConfigError(`${file} could not be loaded: ${(err as Error).message}`);
  }
  // A CommonJS config comes back as its module.exports, which holds the default export.
  if ((exported as { __esModule?: boolean } | undefined)?.__esModule)
    exported = (exported as { default?: unknown }).default;
  if (exported === undefined)
    throw new ConfigError(`${file} has no default export; write \`export default defineConfig({ … })\``);
  return { config: validateConfig(exported, file, vocabulary), file };
}
