import type { EngineModule } from "../registry.ts";
import { POSTGRES_VERSIONS, postgresImageSpec } from "./versions.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "postgres",
    versions: Object.keys(POSTGRES_VERSIONS),
    defaultVersion: "15",
    defaultScenario: "load",
    imageSpec: postgresImageSpec,
    load: async () => {
      const { POSTGRES_METHODS, POSTGRES_SCENARIOS } = await import("./scenarios.ts");
      return { methods: POSTGRES_METHODS, scenarios: POSTGRES_SCENARIOS };
    },
    campaign: async () => (await import("./campaign.ts")).POSTGRES_CAMPAIGN,
  },
];
