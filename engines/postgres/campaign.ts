import { campaignScenario } from "../../harness/campaign/scenario.ts";
import { PostgresEngine } from "./engine.ts";
import { POSTGRES_METHODS, postgresWorkload } from "./scenarios.ts";

/** `dr-drill campaign --engine postgres`: one base backup (physical or logical) under load, then the random faults. */
export const POSTGRES_CAMPAIGN = campaignScenario({
  methods: POSTGRES_METHODS,
  engine: (version, method) => new PostgresEngine(version, method === "logical" ? "logical" : "physical"),
  workload: (writers) => ({ ...postgresWorkload(writers), tailMs: 300 }),
});
