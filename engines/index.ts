import type { Scenario } from "../harness/scenario.ts";
import type { ImageSpec } from "../harness/runtime/images.ts";
import type { CampaignScenario } from "../harness/campaign/scenario.ts";
import { POSTGRES_CAMPAIGN } from "./postgres/campaign.ts";
import { POSTGRES_VERSIONS, postgresImageSpec } from "./postgres/versions.ts";
import { POSTGRES_METHODS, POSTGRES_SCENARIOS } from "./postgres/scenarios.ts";
import { QUESTDB_DEFAULT_VERSION, QUESTDB_VERSIONS, questdbImageSpec } from "./questdb/versions.ts";
import { QUESTDB_SCENARIOS } from "./questdb/scenarios.ts";
import { QUESTDB_CAMPAIGN } from "./questdb/campaign.ts";
import { ALL_VERSIONS, EVENTSTORE_DEFAULT_VERSION, KURRENTDB_DEFAULT_VERSION, KURRENTDB_VERSIONS, eventStoreImageSpec } from "./eventstore/versions.ts";
import { EVENTSTORE_METHODS } from "./eventstore/engine.ts";
import { eventStoreScenarios } from "./eventstore/scenarios.ts";
import { NEO4J_DEFAULT_VERSION, NEO4J_VERSIONS, neo4jImageSpec } from "./neo4j/versions.ts";
import { NEO4J_METHODS, NEO4J_SCENARIOS } from "./neo4j/scenarios.ts";
import { NEO4J_CAMPAIGN } from "./neo4j/campaign.ts";
import { MEMGRAPH_DEFAULT_VERSION, MEMGRAPH_VERSIONS, memgraphImageSpec } from "./memgraph/versions.ts";
import { MEMGRAPH_METHODS, MEMGRAPH_SCENARIOS } from "./memgraph/scenarios.ts";
import { EXO_CAMPAIGN, EXO_DEFAULT_VERSION, EXO_SCENARIOS, EXO_VERSIONS, mongoWireImageSpec } from "./exo/index.ts";
import { MOSQUITTO_DEFAULT_VERSION, MOSQUITTO_VERSIONS, mosquittoImageSpec } from "./mosquitto/versions.ts";
import { MOSQUITTO_METHODS, MOSQUITTO_SCENARIOS } from "./mosquitto/scenarios.ts";
import { MOSQUITTO_CAMPAIGN } from "./mosquitto/campaign.ts";
import { EMQX_DEFAULT_VERSION, EMQX_METHODS, EMQX_SCENARIOS, EMQX_VERSIONS, emqxImageSpec } from "./emqx/index.ts";
import { RABBITMQ_CAMPAIGN, RABBITMQ_DEFAULT_VERSION, RABBITMQ_METHODS, RABBITMQ_SCENARIOS, RABBITMQ_VERSIONS, rabbitmqImageSpec } from "./rabbitmq/index.ts";

/**
 * The engines the command line knows. A new engine adds one entry: its versions, its backup methods, its scenarios
 * (each builds its own typed drill, so nothing here needs to know an engine's types) and its images.
 */
export interface EngineEntry {
  name: string;
  versions: string[];
  defaultVersion: string;
  methods: string[];
  scenarios: Scenario[];
  defaultScenario: string;
  imageSpec(version: string): ImageSpec;
  /** `dr-drill campaign`: random faults on copies of one backup, for engines that offer it. */
  campaign?: CampaignScenario;
}

export const ENGINES: Record<string, EngineEntry> = {
  postgres: {
    name: "postgres",
    versions: Object.keys(POSTGRES_VERSIONS),
    defaultVersion: "15",
    methods: POSTGRES_METHODS,
    scenarios: POSTGRES_SCENARIOS,
    defaultScenario: "load",
    imageSpec: postgresImageSpec,
    campaign: POSTGRES_CAMPAIGN,
  },
  questdb: {
    name: "questdb",
    versions: Object.keys(QUESTDB_VERSIONS),
    defaultVersion: QUESTDB_DEFAULT_VERSION,
    methods: ["checkpoint"],
    scenarios: QUESTDB_SCENARIOS,
    defaultScenario: "load",
    imageSpec: questdbImageSpec,
    campaign: QUESTDB_CAMPAIGN,
  },
  // One engine folder for both products: `eventstore` knows every version (the matrix runs 22.10 → 26.0),
  // `kurrentdb` the KurrentDB ones.
  eventstore: {
    name: "eventstore",
    versions: Object.keys(ALL_VERSIONS),
    defaultVersion: EVENTSTORE_DEFAULT_VERSION,
    methods: EVENTSTORE_METHODS,
    scenarios: eventStoreScenarios("eventstore", Object.keys(ALL_VERSIONS)),
    defaultScenario: "load",
    imageSpec: eventStoreImageSpec("eventstore"),
  },
  kurrentdb: {
    name: "kurrentdb",
    versions: Object.keys(KURRENTDB_VERSIONS),
    defaultVersion: KURRENTDB_DEFAULT_VERSION,
    methods: EVENTSTORE_METHODS,
    scenarios: eventStoreScenarios("kurrentdb", Object.keys(KURRENTDB_VERSIONS)),
    defaultScenario: "load",
    imageSpec: eventStoreImageSpec("kurrentdb"),
  },
  neo4j: {
    name: "neo4j",
    versions: Object.keys(NEO4J_VERSIONS),
    defaultVersion: NEO4J_DEFAULT_VERSION,
    methods: NEO4J_METHODS,
    scenarios: NEO4J_SCENARIOS,
    defaultScenario: "load",
    imageSpec: neo4jImageSpec,
    campaign: NEO4J_CAMPAIGN,
  },
  memgraph: {
    name: "memgraph",
    versions: Object.keys(MEMGRAPH_VERSIONS),
    defaultVersion: MEMGRAPH_DEFAULT_VERSION,
    methods: MEMGRAPH_METHODS,
    scenarios: MEMGRAPH_SCENARIOS,
    defaultScenario: "load",
    imageSpec: memgraphImageSpec,
  },
  exo: {
    name: "exo",
    versions: Object.keys(EXO_VERSIONS),
    defaultVersion: EXO_DEFAULT_VERSION,
    methods: ["procedure"],
    scenarios: EXO_SCENARIOS,
    defaultScenario: "clean",
    // The tier's own image: the chat database's (PostgreSQL is the postgres engine's offline image, resolved at provision).
    imageSpec: mongoWireImageSpec,
    campaign: EXO_CAMPAIGN,
  },
  mosquitto: {
    name: "mosquitto",
    versions: Object.keys(MOSQUITTO_VERSIONS),
    defaultVersion: MOSQUITTO_DEFAULT_VERSION,
    methods: MOSQUITTO_METHODS,
    scenarios: MOSQUITTO_SCENARIOS,
    defaultScenario: "load",
    imageSpec: mosquittoImageSpec,
    campaign: MOSQUITTO_CAMPAIGN,
  },
  rabbitmq: {
    name: "rabbitmq",
    versions: Object.keys(RABBITMQ_VERSIONS),
    defaultVersion: RABBITMQ_DEFAULT_VERSION,
    methods: RABBITMQ_METHODS,
    scenarios: RABBITMQ_SCENARIOS,
    defaultScenario: "load",
    imageSpec: rabbitmqImageSpec,
    campaign: RABBITMQ_CAMPAIGN,
  },
  emqx: {
    name: "emqx",
    versions: Object.keys(EMQX_VERSIONS),
    defaultVersion: EMQX_DEFAULT_VERSION,
    methods: EMQX_METHODS,
    scenarios: EMQX_SCENARIOS,
    defaultScenario: "load",
    imageSpec: emqxImageSpec,
  },
};

export function engineEntry(name: string): EngineEntry {
  const entry = ENGINES[name];
  if (!entry) throw new Error(`unknown engine "${name}"; known engines: ${Object.keys(ENGINES).join(", ")}`);
  return entry;
}
