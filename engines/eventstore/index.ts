export {
  EventStoreEngine,
  EVENTSTORE_METHODS,
  type EventStoreArtifact,
  type EventStoreEngineOptions,
  type EventStoreMethod,
} from "./engine.ts";
export { EventStoreNode } from "./node.ts";
export { EventStoreContainer, StartedEventStore, DRILL_CHUNK_SIZE } from "./container.ts";
export { inspectDatabase, recordsEnd, type InspectOptions } from "./preflight.ts";
export { mergeBackupSets, highestVersions, chunkLayout, listChunks } from "./chunk-set.ts";
export {
  EVENTSTORE_VERSIONS,
  KURRENTDB_VERSIONS,
  ALL_VERSIONS,
  EVENTSTORE_DEFAULT_VERSION,
  KURRENTDB_DEFAULT_VERSION,
  eventStoreImageSpec,
  versionPairExpectation,
} from "./versions.ts";
export {
  missingTruncateChk,
  chunksBeforeCheckpoints,
  missingChunk,
  flippedChunkByte,
  scavengeDuringCopy,
  type EventStoreFault,
} from "./faults.ts";
export { eventStoreScenarios, eventStoreWorkload } from "./scenarios.ts";
