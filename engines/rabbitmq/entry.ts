import { loadFrom, type EngineModule } from "../registry.ts";
import { RABBITMQ_DEFAULT_VERSION, RABBITMQ_VERSIONS, rabbitmqImageSpec } from "./versions.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "rabbitmq",
    versions: Object.keys(RABBITMQ_VERSIONS),
    defaultVersion: RABBITMQ_DEFAULT_VERSION,
    imageSpec: rabbitmqImageSpec,
    load: loadFrom(
      () => import("./index.ts"),
      (m) => ({ methods: m.RABBITMQ_METHODS, scenarios: m.RABBITMQ_SCENARIOS }),
    ),
    campaign: async () => (await import("./campaign.ts")).RABBITMQ_CAMPAIGN,
    verify: async () => (await import("./verify.ts")).RABBITMQ_VERIFY,
  },
];
