export { QuestDbEngine, QuestDbNode, cpAll, preflightChecks, canonicalFromServer, causeLine, type QuestDbArtifact, type QuestDbEngineOptions, type CopyTool, type RestoreHooks, type QuestDbRestoreAttempt } from "./engine.ts";
export { QuestDbContainer, StartedQuestDb, QDB_ROOT, QDB_PG_PORT, QDB_HTTP_PORT } from "./container.ts";
export { QUESTDB_VERSIONS, QUESTDB_DEFAULT_VERSION, questdbImageSpec, majorOf } from "./versions.ts";
export { failedRestoreThenRetry, recoveryDisabled, backupWithoutCheckpointDir, copyBreakingMidway, cpGlobSkippingDotDirs, checkpointTableDir, type QuestDbFault } from "./faults.ts";
