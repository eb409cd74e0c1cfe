import type { BackupArtifact, Engine } from "../harness/engine.ts";
import type { DrillFault, WorkloadPlan } from "../harness/drill.ts";
import { PostgresEngine, type PostgresBackupMethod } from "./postgres/index.ts";
import { POSTGRES_VERSIONS, postgresImageSpec } from "./postgres/versions.ts";
import { POSTGRES_SCENARIOS, postgresWorkload } from "./postgres/scenarios.ts";
import type { ImageSpec } from "../harness/runtime/images.ts";

/** A named drill the command can run: which methods it applies to, whether it writes during the backup, its faults. */
export interface ScenarioEntry {
  name: string;
  description: string;
  methods: string[];
  underLoad: boolean;
  faults(): DrillFault<BackupArtifact>[];
}

/**
 * The engines the command line knows. A new engine adds one entry: its versions, its backup methods, its scenarios,
 * and a factory.
 */
export interface EngineEntry {
  name: string;
  versions: string[];
  defaultVersion: string;
  methods: string[];
  scenarios: ScenarioEntry[];
  defaultScenario: string;
  workload(writers: number): WorkloadPlan;
  imageSpec(version: string): ImageSpec;
  create(version: string, method: string): Engine<unknown>;
}

export const ENGINES: Record<string, EngineEntry> = {
  postgres: {
    name: "postgres",
    versions: Object.keys(POSTGRES_VERSIONS),
    defaultVersion: "15",
    methods: ["physical", "logical"],
    scenarios: POSTGRES_SCENARIOS as unknown as ScenarioEntry[],
    defaultScenario: "load",
    workload: postgresWorkload,
    imageSpec: postgresImageSpec,
    create: (version, method) => new PostgresEngine(version, method as PostgresBackupMethod) as unknown as Engine<unknown>,
  },
};

export function engineEntry(name: string): EngineEntry {
  const entry = ENGINES[name];
  if (!entry) throw new Error(`unknown engine "${name}"; known engines: ${Object.keys(ENGINES).join(", ")}`);
  return entry;
}
