// The checks of a loaded dr-drill.config.ts (harness/config.ts imports this module only when there is a file): its
// shape against harness/schema/config.ts, then its engine, version, method and scenario names against the engines.
import type { z } from "zod";
import { ConfigError } from "./errors.ts";
import { drillConfig, type DrillConfig, type EngineConfig } from "./schema/config.ts";
import { procedureScenarioNames } from "./procedure/scenario-names.ts";

export interface ConfigVocabulary {
  engines: Record<string, { versions: string[]; methods: string[]; scenarios: string[] }>;
}

/** `file: key message`, from the first problem zod finds (the messages are worded in harness/schema/values.ts). */
function problemOf(issue: z.core.$ZodIssue, file: string): string {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const key = [...issue.path.map(String), issue.keys[0]].join(".");
    return `${file}: unknown key "${key}"; ${issue.message}`;
  }
  // A bad record key: zod says "Invalid key in record", the reason is in the key's own issue.
  const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return `${file}: ${path || "(top level)"} ${message}`;
}

/** Checks a configuration's shape (harness/schema/config.ts) and its engine, version, method and scenario names. */
export function validateConfig(raw: unknown, file: string, vocabulary: ConfigVocabulary): DrillConfig {
  const parsed = drillConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(problemOf(parsed.error.issues[0]!, file));
  const config = parsed.data;
  for (const [name, engine] of Object.entries(config.engines ?? {})) {
    const known = vocabulary.engines[name];
    if (!known)
      throw new ConfigError(
        `${file}: engines.${name} is not a known engine; known: ${Object.keys(vocabulary.engines).join(", ")}`,
      );
    // The config's own procedures are methods of this engine, drilled by the procedure scenarios.
    const procedures = Object.values(engine.procedures ?? {});
    const lists: [keyof EngineConfig, string[] | undefined, string[]][] = [
      ["versions", engine.versions, known.versions],
      ["methods", engine.methods, [...known.methods, ...Object.keys(engine.procedures ?? {})]],
      ["scenarios", engine.scenarios, [...known.scenarios, ...procedures.flatMap(procedureScenarioNames)]],
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
