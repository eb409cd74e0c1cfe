import { loadFrom, type EngineModule } from "../registry.ts";
import { NEO4J_DEFAULT_VERSION, NEO4J_VERSIONS, neo4jImageSpec } from "./versions.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "neo4j",
    versions: Object.keys(NEO4J_VERSIONS),
    defaultVersion: NEO4J_DEFAULT_VERSION,
    imageSpec: neo4jImageSpec,
    load: loadFrom(
      () => import("./scenarios.ts"),
      (m) => ({ methods: m.NEO4J_METHODS, scenarios: m.NEO4J_SCENARIOS }),
    ),
    campaign: async () => (await import("./campaign.ts")).NEO4J_CAMPAIGN,
    verify: async () => (await import("./verify.ts")).NEO4J_VERIFY,
  },
];
