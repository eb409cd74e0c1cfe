import { campaignScenario } from "../../harness/campaign/scenario.ts";
import { RabbitMqEngine } from "./engine.ts";
import { rabbitmqWorkload } from "./scenarios.ts";

/** `dr-drill campaign --engine rabbitmq`: one stopped copy of the Mnesia base under publish load, then the random faults. */
export const RABBITMQ_CAMPAIGN = campaignScenario({
  methods: ["mnesia-copy"],
  engine: (version) => new RabbitMqEngine(version),
  workload: (writers) => ({ ...rabbitmqWorkload(writers), tailMs: 300 }),
});
