import { loadFrom, type EngineModule } from "../registry.ts";
import { POSTGRES_VERSIONS, postgresImageSpec } from "../../protocols/pg/image.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "postgres",
    versions: Object.keys(POSTGRES_VERSIONS),
    defaultVersion: "15",
    defaultScenario: "load",
    imageSpec: postgresImageSpec,
    load: loadFrom(
      () => import("./scenarios.ts"),
      (m) => ({ methods: m.POSTGRES_METHODS, scenarios: m.POSTGRES_SCENARIOS }),
    ),
    campaign: async () => (await import("./campaign.ts")).POSTGRES_CAMPAIGN,
    verify: async () => (await import("./verify.ts")).POSTGRES_VERIFY,
  },
];
