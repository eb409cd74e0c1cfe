export { PostgresEngine, firstErrorLine, type PostgresArtifact, type PostgresBackupMethod } from "./engine.ts";
export { PostgresNode } from "./node.ts";
export { PostgresContainer, StartedPostgres, PGDATA, PG_PORT } from "./container.ts";
export { POSTGRES_VERSIONS, postgresImageSpec } from "./versions.ts";
export { deleteFirstWalSegment, flipByteInTable, truncateDump, versionColumnOffset } from "./faults.ts";
