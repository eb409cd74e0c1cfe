import { loadFrom, type EngineModule } from "../registry.ts";
import { MOSQUITTO_DEFAULT_VERSION, MOSQUITTO_VERSIONS, mosquittoImageSpec } from "./versions.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "mosquitto",
    versions: Object.keys(MOSQUITTO_VERSIONS),
    defaultVersion: MOSQUITTO_DEFAULT_VERSION,
    imageSpec: mosquittoImageSpec,
    load: loadFrom(
      () => import("./scenarios.ts"),
      (m) => ({ methods: m.MOSQUITTO_METHODS, scenarios: m.MOSQUITTO_SCENARIOS }),
    ),
    campaign: async () => (await import("./campaign.ts")).MOSQUITTO_CAMPAIGN,
    verify: async () => (await import("./verify.ts")).MOSQUITTO_VERIFY,
  },
];
