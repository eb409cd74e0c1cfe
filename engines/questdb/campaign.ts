import { campaignScenario } from "../../harness/campaign/scenario.ts";
import { QuestDbEngine } from "./engine.ts";
import { questdbWorkload } from "./scenarios.ts";

/** `dr-drill campaign --engine questdb`: one CHECKPOINT copy under ingest load, then the random faults. */
export const QUESTDB_CAMPAIGN = campaignScenario({
  methods: ["checkpoint"],
  engine: (version) => new QuestDbEngine(version),
  workload: (writers) => ({ ...questdbWorkload(writers), tailMs: 300 }),
});
