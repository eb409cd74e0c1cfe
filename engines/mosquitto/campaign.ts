import { campaignScenario } from "../../harness/campaign/scenario.ts";
import { MosquittoEngine } from "./engine.ts";
import { mosquittoWorkload } from "./scenarios.ts";

/** `dr-drill campaign --engine mosquitto`: one SIGUSR1 backup under publish load, then the random faults. */
export const MOSQUITTO_CAMPAIGN = campaignScenario({
  methods: ["sigusr1"],
  engine: (version) => new MosquittoEngine(version, { method: "sigusr1" }),
  workload: (writers) => ({ ...mosquittoWorkload(writers), tailMs: 300 }),
});
