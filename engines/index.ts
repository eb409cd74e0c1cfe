import type { Engine } from "../harness/engine.ts";
import { PostgresEngine, type PostgresBackupMethod } from "./postgres/index.ts";
import { POSTGRES_VERSIONS, postgresImageSpec } from "./postgres/versions.ts";
import type { ImageSpec } from "../harness/runtime/images.ts";

/**
 * The engines the command line knows. A new engine adds one entry: its versions, its backup methods, and a factory.
 */
export interface EngineEntry {
  name: string;
  versions: string[];
  defaultVersion: string;
  methods: string[];
  imageSpec(version: string): ImageSpec;
  create(version: string, method: string): Engine<unknown>;
}

export const ENGINES: Record<string, EngineEntry> = {
  postgres: {
    name: "postgres",
    versions: Object.keys(POSTGRES_VERSIONS),
    defaultVersion: "15",
    methods: ["physical", "logical"],
    imageSpec: postgresImageSpec,
    create: (version, method) => new PostgresEngine(version, method as PostgresBackupMethod) as unknown as Engine<unknown>,
  },
};

export function engineEntry(name: string): EngineEntry {
  const entry = ENGINES[name];
  if (!entry) throw new Error(`unknown engine "${name}"; known engines: ${Object.keys(ENGINES).join(", ")}`);
  return entry;
}
