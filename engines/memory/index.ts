export {
  MemoryEngine,
  MemoryNode,
  digestOf,
  type MemoryArtifact,
  type MemoryEngineOptions,
  type MemoryOp,
} from "./engine.ts";
export { corruptValue, dropKeys, engineOption } from "./faults.ts";
