import { loadFrom, type EngineModule } from "../registry.ts";
import { POSTGRES_VERSIONS, postgresImageSpec } from "../../protocols/pg/image.ts";

/** This engine as the command line knows it before loading its drivers (engines/index.ts lists it). */
export const ENTRIES: EngineModule[] = [
  {
    name: "postgres",
    versions: Object.keys(POSTGRES_VERSIONS),
    defaultVersion: "15",
    imageSpec: postgresImageSpec,
    load: loadFrom(
      () =>
        Promise.all([import("./scenarios.ts"), import("./pitr-scenarios.ts"), import("./user-schema/scenarios.ts")]),
      ([m, pitr, user]) => ({
        methods: m.POSTGRES_METHODS,
        scenarios: [...m.POSTGRES_SCENARIOS, ...pitr.PITR_SCENARIOS, ...user.USER_SCHEMA_SCENARIOS],
      }),
    ),
    campaign: async () => (await import("./campaign.ts")).POSTGRES_CAMPAIGN,
    procedures: async () => (await import("./procedure.ts")).postgresProcedureScenarios,
    verify: async () => (await import("./verify.ts")).POSTGRES_VERIFY,
  },
];
