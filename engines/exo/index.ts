export { ExoEngine, type ExoArtifact } from "./engine.ts";
export { EXO_SCENARIOS } from "./scenarios.ts";
export { EXO_DEFAULT_VERSION, EXO_VERSIONS, mongoWireImageSpec, platformImageSpec } from "./versions.ts";
export { EXO_CAMPAIGN } from "./campaign.ts";
