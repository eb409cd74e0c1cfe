import { campaignScenario } from "../../harness/campaign/scenario.ts";
import { ExoEngine } from "./engine.ts";
import { exoWorkload } from "./scenarios.ts";

/** `dr-drill campaign --engine exo`: one backup of the stopped tier by the vendor's procedure, then the random faults. */
export const EXO_CAMPAIGN = campaignScenario({
  methods: ["procedure"],
  engine: (version) => new ExoEngine(version),
  workload: exoWorkload,
});
