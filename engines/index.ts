import type { ImageSpec } from "../harness/runtime/images.ts";
import type { Scenario } from "../harness/scenario.ts";
import type { CampaignScenario } from "../harness/campaign/scenario.ts";
import { CATALOG } from "./catalog.ts";
import type { EngineSummary, LoadedEngine } from "./summary.ts";
import { POSTGRES_VERSIONS, postgresImageSpec } from "./postgres/versions.ts";
import { QUESTDB_DEFAULT_VERSION, QUESTDB_VERSIONS, questdbImageSpec } from "./questdb/versions.ts";
import { ALL_VERSIONS, EVENTSTORE_DEFAULT_VERSION, KURRENTDB_DEFAULT_VERSION, KURRENTDB_VERSIONS, eventStoreImageSpec } from "./eventstore/versions.ts";
import { NEO4J_DEFAULT_VERSION, NEO4J_VERSIONS, neo4jImageSpec } from "./neo4j/versions.ts";
import { MEMGRAPH_DEFAULT_VERSION, MEMGRAPH_VERSIONS, memgraphImageSpec } from "./memgraph/versions.ts";
import { EXO_DEFAULT_VERSION, EXO_VERSIONS, mongoWireImageSpec } from "./exo/versions.ts";
import { MOSQUITTO_DEFAULT_VERSION, MOSQUITTO_VERSIONS, mosquittoImageSpec } from "./mosquitto/versions.ts";
import { EMQX_DEFAULT_VERSION, EMQX_VERSIONS, emqxImageSpec } from "./emqx/versions.ts";
import { RABBITMQ_DEFAULT_VERSION, RABBITMQ_VERSIONS, rabbitmqImageSpec } from "./rabbitmq/versions.ts";

/**
 * An engine as the command line knows it before loading it: its versions and images (from its light `versions.ts`),
 * and `load()`, which imports its scenarios with its drivers only when a drill runs. `--help`, `list` and usage errors
 * so never load a driver.
 */
export interface EngineModule {
  name: string;
  versions: string[];
  defaultVersion: string;
  defaultScenario: string;
  imageSpec(version: string): ImageSpec;
  load(): Promise<LoadedEngine>;
  /** `dr-drill campaign`: random faults on copies of one backup, for engines that offer it (loaded with the drivers). */
  campaign?: () => Promise<CampaignScenario>;
}

/**
 * The engines the command line knows. A new engine adds one entry here, then `npm run catalog` records its methods
 * and scenarios (each builds its own typed drill, so nothing here needs to know an engine's types).
 */
export const ENGINE_MODULES: EngineModule[] = [
  {
    name: "postgres",
    versions: Object.keys(POSTGRES_VERSIONS),
    defaultVersion: "15",
    defaultScenario: "load",
    imageSpec: postgresImageSpec,
    load: async () => {
      const { POSTGRES_METHODS, POSTGRES_SCENARIOS } = await import("./postgres/scenarios.ts");
      return { methods: POSTGRES_METHODS, scenarios: POSTGRES_SCENARIOS };
    },
    campaign: async () => (await import("./postgres/campaign.ts")).POSTGRES_CAMPAIGN,
  },
  {
    name: "questdb",
    versions: Object.keys(QUESTDB_VERSIONS),
    defaultVersion: QUESTDB_DEFAULT_VERSION,
    defaultScenario: "load",
    imageSpec: questdbImageSpec,
    load: async () => ({ methods: ["checkpoint"], scenarios: (await import("./questdb/scenarios.ts")).QUESTDB_SCENARIOS }),
  },
  // One engine folder for both products: `eventstore` knows every version (the matrix runs 22.10 → 26.0),
  // `kurrentdb` the KurrentDB ones.
  {
    name: "eventstore",
    versions: Object.keys(ALL_VERSIONS),
    defaultVersion: EVENTSTORE_DEFAULT_VERSION,
    defaultScenario: "load",
    imageSpec: eventStoreImageSpec("eventstore"),
    load: () => loadEventStore("eventstore", Object.keys(ALL_VERSIONS)),
  },
  {
    name: "kurrentdb",
    versions: Object.keys(KURRENTDB_VERSIONS),
    defaultVersion: KURRENTDB_DEFAULT_VERSION,
    defaultScenario: "load",
    imageSpec: eventStoreImageSpec("kurrentdb"),
    load: () => loadEventStore("kurrentdb", Object.keys(KURRENTDB_VERSIONS)),
  },
  {
    name: "neo4j",
    versions: Object.keys(NEO4J_VERSIONS),
    defaultVersion: NEO4J_DEFAULT_VERSION,
    defaultScenario: "load",
    imageSpec: neo4jImageSpec,
    load: async () => {
      const { NEO4J_METHODS, NEO4J_SCENARIOS } = await import("./neo4j/scenarios.ts");
      return { methods: NEO4J_METHODS, scenarios: NEO4J_SCENARIOS };
    },
  },
  {
    name: "memgraph",
    versions: Object.keys(MEMGRAPH_VERSIONS),
    defaultVersion: MEMGRAPH_DEFAULT_VERSION,
    defaultScenario: "load",
    imageSpec: memgraphImageSpec,
    load: async () => {
      const { MEMGRAPH_METHODS, MEMGRAPH_SCENARIOS } = await import("./memgraph/scenarios.ts");
      return { methods: MEMGRAPH_METHODS, scenarios: MEMGRAPH_SCENARIOS };
    },
  },
  {
    name: "exo",
    versions: Object.keys(EXO_VERSIONS),
    defaultVersion: EXO_DEFAULT_VERSION,
    defaultScenario: "clean",
    // The tier's own image: the chat database's (PostgreSQL is the postgres engine's offline image, resolved at provision).
    imageSpec: mongoWireImageSpec,
    load: async () => ({ methods: ["procedure"], scenarios: (await import("./exo/scenarios.ts")).EXO_SCENARIOS }),
  },
  {
    name: "mosquitto",
    versions: Object.keys(MOSQUITTO_VERSIONS),
    defaultVersion: MOSQUITTO_DEFAULT_VERSION,
    defaultScenario: "load",
    imageSpec: mosquittoImageSpec,
    load: async () => {
      const { MOSQUITTO_METHODS, MOSQUITTO_SCENARIOS } = await import("./mosquitto/scenarios.ts");
      return { methods: MOSQUITTO_METHODS, scenarios: MOSQUITTO_SCENARIOS };
    },
  },
  {
    name: "rabbitmq",
    versions: Object.keys(RABBITMQ_VERSIONS),
    defaultVersion: RABBITMQ_DEFAULT_VERSION,
    defaultScenario: "load",
    imageSpec: rabbitmqImageSpec,
    load: async () => {
      const { RABBITMQ_METHODS, RABBITMQ_SCENARIOS } = await import("./rabbitmq/index.ts");
      return { methods: RABBITMQ_METHODS, scenarios: RABBITMQ_SCENARIOS };
    },
  },
  {
    name: "emqx",
    versions: Object.keys(EMQX_VERSIONS),
    defaultVersion: EMQX_DEFAULT_VERSION,
    defaultScenario: "load",
    imageSpec: emqxImageSpec,
    load: async () => {
      const { EMQX_METHODS, EMQX_SCENARIOS } = await import("./emqx/index.ts");
      return { methods: EMQX_METHODS, scenarios: EMQX_SCENARIOS };
    },
  },
];

async function loadEventStore(engine: string, versions: string[]): Promise<LoadedEngine> {
  const [{ EVENTSTORE_METHODS }, { eventStoreScenarios }] = await Promise.all([import("./eventstore/engine.ts"), import("./eventstore/scenarios.ts")]);
  return { methods: EVENTSTORE_METHODS, scenarios: eventStoreScenarios(engine, versions) };
}

/** An engine with its methods and scenarios from the catalog: everything but the drills themselves. */
export type EngineEntry = EngineModule & EngineSummary;

// An engine missing from the catalog has no scenarios until `npm run catalog`; the catalog test fails meanwhile.
export const ENGINES: Record<string, EngineEntry> = Object.fromEntries(ENGINE_MODULES.map((m) => [m.name, { ...m, ...(CATALOG[m.name] ?? { methods: [], scenarios: [] }) }]));

export function engineEntry(name: string): EngineEntry {
  const entry = ENGINES[name];
  if (!entry) throw new Error(`unknown engine "${name}"; known engines: ${Object.keys(ENGINES).join(", ")}`);
  return entry;
}

/** One scenario of an engine, loaded with the engine's drivers. */
export async function loadScenario(engine: string, scenario: string): Promise<Scenario> {
  const found = (await engineEntry(engine).load()).scenarios.find((s) => s.name === scenario);
  if (!found) throw new Error(`${engine} has no scenario "${scenario}"`);
  return found;
}
