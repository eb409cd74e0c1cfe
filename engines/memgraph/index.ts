export { MemgraphEngine, type MemgraphArtifact, type MemgraphBackupMethod } from "./engine.ts";
export { MemgraphNode } from "./node.ts";
export { MEMGRAPH_SCENARIOS } from "./scenarios.ts";
