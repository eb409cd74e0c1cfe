import { drillScenario, type Scenario } from "../../../harness/scenario.ts";
import { POSTGRES_METHODS, postgresWorkload } from "../scenarios.ts";
import { UserSchemaEngine } from "./engine.ts";

/** The user's own schema, drilled under load with either built-in method (`--schema FILE.sql`). */
export const USER_SCHEMA_SCENARIOS: Scenario[] = [
  drillScenario({
    name: "user-schema",
    description:
      "your DDL (--schema FILE.sql) applied, rows generated per column type and written under load; oracle and cut as for load, UNLOGGED tables named",
    methods: POSTGRES_METHODS,
    workload: postgresWorkload,
    build: (req) => ({
      engine: new UserSchemaEngine(req.version, req.method === "logical" ? "logical" : "physical", req.schema),
    }),
  }),
];
