import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ConfigError } from "./errors.ts";
import type { ConfigVocabulary } from "./config-check.ts";
import type { DrillConfig } from "./schema/config.ts";

/**
 * The typed configuration file, `dr-drill.config.ts`:
 *
 *   import { defineConfig } from "dr-drill/config";
 *   export default defineConfig({ targets: { rto: "2m", rpo: "30s" }, engines: { postgres: { versions: ["15", "17"] } } });
 *
 * Command-line flags override it. Every key is checked against harness/schema/config.ts: a typo is an error that
 * names the key.
 */
export { defineConfig } from "../config/index.ts";
export type { DrillConfig, EngineConfig } from "./schema/config.ts";

export { ConfigError } from "./errors.ts";
export type { ConfigVocabulary } from "./config-check.ts";

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
  // The checks (and zod) load only when there is a config to check: usage errors answer without them.
  const { validateConfig } = await import("./config-check.ts");
  return { config: validateConfig(exported, file, vocabulary), file };
}
