export {
  EmqxEngine,
  EMQX_METHODS,
  EMQX_SOURCE_HOST,
  type EmqxArtifact,
  type EmqxEngineOptions,
  type EmqxMethod,
} from "./engine.ts";
export { EMQX_SCENARIOS, emqxWorkload } from "./scenarios.ts";
export { EMQX_DEFAULT_VERSION, EMQX_VERSIONS, emqxImageSpec } from "./versions.ts";
