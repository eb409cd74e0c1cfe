export {
  MOSQUITTO_CAPABILITIES,
  MosquittoEngine,
  type MosquittoArtifact,
  type MosquittoEngineOptions,
  type MosquittoMethod,
} from "./engine.ts";
export { MosquittoNode } from "./node.ts";
export { emptyDbFile, flippedPayloadByte, truncatedDbFile } from "./faults.ts";
export { MOSQUITTO_METHODS, MOSQUITTO_SCENARIOS } from "./scenarios.ts";
export { MOSQUITTO_DEFAULT_VERSION, MOSQUITTO_VERSIONS, mosquittoImageSpec } from "./versions.ts";
