export { PostgresEngine, firstErrorLine, type PostgresArtifact, type PostgresBackupMethod } from "./engine.ts";
export { PostgresNode } from "./node.ts";
export { POSTGRES_VERSIONS, postgresImageSpec } from "../../protocols/pg/image.ts";
export { deleteFirstWalSegment, flipByteInTable, truncateDump, versionColumnOffset } from "./faults.ts";
