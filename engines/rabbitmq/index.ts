export {
  RabbitMqEngine,
  RABBITMQ_METHODS,
  SOURCE_HOST,
  type RabbitMqArtifact,
  type RabbitMqEngineOptions,
  type RabbitMqMethod,
} from "./engine.ts";
export { RABBITMQ_SCENARIOS, rabbitmqWorkload } from "./scenarios.ts";
export { RABBITMQ_DEFAULT_VERSION, RABBITMQ_VERSIONS, rabbitmqImageSpec } from "./versions.ts";
export { RABBITMQ_CAMPAIGN } from "./campaign.ts";
