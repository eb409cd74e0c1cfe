export { Neo4jEngine, type Neo4jArtifact, type Neo4jBackupMethod } from "./engine.ts";
export { Neo4jNode } from "./node.ts";
export { NEO4J_SCENARIOS } from "./scenarios.ts";
