import { loadFrom, type EngineModule } from "../registry.ts";
import { QUESTDB_DEFAULT_VERSION, QUESTDB_VERSIONS, questdbImageSpec } from "./versions.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "questdb",
    versions: Object.keys(QUESTDB_VERSIONS),
    defaultVersion: QUESTDB_DEFAULT_VERSION,
    imageSpec: questdbImageSpec,
    load: loadFrom(
      () => import("./scenarios.ts"),
      (m) => ({ methods: ["checkpoint"], scenarios: m.QUESTDB_SCENARIOS }),
    ),
    campaign: async () => (await import("./campaign.ts")).QUESTDB_CAMPAIGN,
    verify: async () => (await import("./verify.ts")).QUESTDB_VERIFY,
  },
];
