import { campaignScenario } from "../../harness/campaign/scenario.ts";
import { Neo4jEngine } from "./engine.ts";
import { NEO4J_METHODS, neo4jWorkload } from "./scenarios.ts";

/** `dr-drill campaign --engine neo4j`: one offline dump or cold copy after a burst of writes, then the random faults. */
export const NEO4J_CAMPAIGN = campaignScenario({
  methods: NEO4J_METHODS,
  engine: (version, method) => new Neo4jEngine(version, method === "cold-copy" ? "cold-copy" : "dump"),
  workload: neo4jWorkload,
});
