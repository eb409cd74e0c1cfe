import type { Scenario } from "../harness/scenario.ts";
import type { ImageSpec } from "../harness/runtime/images.ts";
import { POSTGRES_VERSIONS, postgresImageSpec } from "./postgres/versions.ts";
import { POSTGRES_METHODS, POSTGRES_SCENARIOS } from "./postgres/scenarios.ts";
import { QUESTDB_DEFAULT_VERSION, QUESTDB_VERSIONS, questdbImageSpec } from "./questdb/versions.ts";
import { QUESTDB_SCENARIOS } from "./questdb/scenarios.ts";
import { MOSQUITTO_DEFAULT_VERSION, MOSQUITTO_VERSIONS, mosquittoImageSpec } from "./mosquitto/versions.ts";
import { MOSQUITTO_METHODS, MOSQUITTO_SCENARIOS } from "./mosquitto/scenarios.ts";
import { EMQX_DEFAULT_VERSION, EMQX_METHODS, EMQX_SCENARIOS, EMQX_VERSIONS, emqxImageSpec } from "./emqx/index.ts";
import { RABBITMQ_DEFAULT_VERSION, RABBITMQ_METHODS, RABBITMQ_SCENARIOS, RABBITMQ_VERSIONS, rabbitmqImageSpec } from "./rabbitmq/index.ts";

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
  },
  questdb: {
    name: "questdb",
    versions: Object.keys(QUESTDB_VERSIONS),
    defaultVersion: QUESTDB_DEFAULT_VERSION,
    methods: ["checkpoint"],
    scenarios: QUESTDB_SCENARIOS,
    defaultScenario: "load",
    imageSpec: questdbImageSpec,
  },
  mosquitto: {
    name: "mosquitto",
    versions: Object.keys(MOSQUITTO_VERSIONS),
    defaultVersion: MOSQUITTO_DEFAULT_VERSION,
    methods: MOSQUITTO_METHODS,
    scenarios: MOSQUITTO_SCENARIOS,
    defaultScenario: "load",
    imageSpec: mosquittoImageSpec,
  },
  rabbitmq: {
    name: "rabbitmq",
    versions: Object.keys(RABBITMQ_VERSIONS),
    defaultVersion: RABBITMQ_DEFAULT_VERSION,
    methods: RABBITMQ_METHODS,
    scenarios: RABBITMQ_SCENARIOS,
    defaultScenario: "load",
    imageSpec: rabbitmqImageSpec,
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
