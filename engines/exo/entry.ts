import { loadFrom, type EngineModule } from "../registry.ts";
import { EXO_DEFAULT_VERSION, EXO_VERSIONS, mongoWireImageSpec } from "./versions.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "exo",
    versions: Object.keys(EXO_VERSIONS),
    defaultVersion: EXO_DEFAULT_VERSION,
    defaultScenario: "clean",
    // The tier's own image: the chat database's (PostgreSQL's is protocols/pg's, resolved at provision).
    imageSpec: mongoWireImageSpec,
    load: loadFrom(
      () => import("./scenarios.ts"),
      (m) => ({ methods: ["procedure"], scenarios: m.EXO_SCENARIOS }),
    ),
    campaign: async () => (await import("./campaign.ts")).EXO_CAMPAIGN,
    verify: async () => (await import("./verify.ts")).EXO_VERIFY,
  },
];
