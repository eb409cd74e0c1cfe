import type { BackupArtifact, Engine } from "../harness/engine.ts";
import type { DrillFault, WorkloadPlan } from "../harness/drill.ts";
import { PostgresEngine, type PostgresBackupMethod } from "./postgres/index.ts";
import { POSTGRES_VERSIONS, postgresImageSpec } from "./postgres/versions.ts";
import { POSTGRES_SCENARIOS, postgresWorkload } from "./postgres/scenarios.ts";
import type { ImageSpec } from "../harness/runtime/images.ts";
import { QuestDbEngine } from "./questdb/index.ts";
import { QUESTDB_DEFAULT_VERSION, QUESTDB_VERSIONS, questdbImageSpec } from "./questdb/versions.ts";

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
  questdb: {
    name: "questdb",
    versions: Object.keys(QUESTDB_VERSIONS),
    defaultVersion: QUESTDB_DEFAULT_VERSION,
    methods: ["checkpoint"],
    // The fault drills need engine options (copy tools, restore hooks): they run as the scenarios in scenarios/questdb/.
    scenarios: [
      { name: "load", description: "CHECKPOINT CREATE, copy the root, CHECKPOINT RELEASE while ILP and PG-wire ingestion go on", methods: ["checkpoint"], underLoad: true, faults: () => [] },
      { name: "clean", description: "checkpoint backup with no writes; the restored state must equal the source exactly", methods: ["checkpoint"], underLoad: false, faults: () => [] },
    ],
    defaultScenario: "load",
    workload: (writers) => ({ writers, maxOps: 500_000, maxMs: 10 * 60_000, leadInOps: 50 * writers, tailMs: 1_000 }),
    imageSpec: questdbImageSpec,
    create: (version) => new QuestDbEngine(version) as unknown as Engine<unknown>,
  },
};

export function engineEntry(name: string): EngineEntry {
  const entry = ENGINES[name];
  if (!entry) throw new Error(`unknown engine "${name}"; known engines: ${Object.keys(ENGINES).join(", ")}`);
  return entry;
}
