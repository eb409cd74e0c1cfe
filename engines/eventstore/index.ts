export {
  EventStoreEngine,
  EVENTSTORE_METHODS,
  type EventStoreArtifact,
  type EventStoreEngineOptions,
  type EventStoreMethod,
} from "./engine.ts";
export { EventStoreNode } from "./node.ts";
export { EventStoreContainer, StartedEventStore, nodeEnvironment } from "./container.ts";
export { inspectDatabase, recordsEnd, type InspectOptions } from "./preflight.ts";
export { chunkLayout, differentialChunks, listChunks, selectChunks } from "./chunk-set.ts";
export {
  EVENTSTORE_VERSIONS,
  KURRENTDB_VERSIONS,
  ALL_VERSIONS,
  EVENTSTORE_DEFAULT_VERSION,
  KURRENTDB_DEFAULT_VERSION,
  DEFAULT_CHUNK_SIZE,
  DRILL_CHUNK_SIZE,
  drillChunkSize,
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
