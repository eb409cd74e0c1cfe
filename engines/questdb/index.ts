export { QuestDbEngine, type QuestDbEngineOptions } from "./engine.ts";
export type { QuestDbArtifact } from "./artifact.ts";
export { QuestDbNode, QuestDbWorkloadClient, canonicalFromServer } from "./node.ts";
export { cpAll, copyRoot, type CopyTool } from "./copy-tools.ts";
export { preflightChecks } from "./preflight.ts";
export { causeLine, RECOVERED_LINE } from "./recovery.ts";
export { QuestDbContainer, StartedQuestDb, QDB_ROOT, QDB_PG_PORT, QDB_HTTP_PORT } from "./container.ts";
export { QUESTDB_VERSIONS, QUESTDB_DEFAULT_VERSION, questdbImageSpec, majorOf } from "./versions.ts";
export {
  failedRestoreThenRetry,
  recoveryDisabled,
  backupWithoutCheckpointDir,
  releaseAfterFailedCopy,
  checkpointReleased,
  cpGlobSkippingDotDirs,
  checkpointTableDir,
  RELEASE_PROBE_TABLES,
  type QuestDbFault,
} from "./faults.ts";
export { QUESTDB_SCENARIOS, questdbWorkload } from "./scenarios.ts";
export { QUESTDB_CAMPAIGN } from "./campaign.ts";
