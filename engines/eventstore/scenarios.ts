import type { WorkloadPlan } from "../../harness/drill.ts";
import { drillScenario, versionMatrixScenario, type BuildRequest, type Scenario } from "../../harness/scenario.ts";
import { EVENTSTORE_METHODS, EventStoreEngine, type EventStoreEngineOptions, type EventStoreMethod } from "./engine.ts";
import {
  chunksBeforeCheckpoints,
  flippedChunkByte,
  missingChunk,
  missingTruncateChk,
  scavengeDuringCopy,
  type EventStoreFault,
} from "./faults.ts";
import { InputError } from "../../harness/errors.ts";
import { ALL_VERSIONS, drillChunkSize, eventStoreVersion, versionPairExpectation } from "./versions.ts";

/** Appends from every writer while the copy runs, and a tail after it, so the chunks hold writes past the checkpoints. */
export function eventStoreWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 50_000, maxMs: 180_000, leadInOps: 20 * writers, tailMs: 1_500 };
}

/** The versions whose chunks a drill can complete: those that honour CHUNK_SIZE (versions.ts). */
export const SMALL_CHUNK_VERSIONS = Object.keys(ALL_VERSIONS).filter((v) => ALL_VERSIONS[v]!.honoursChunkSize);

/** Said in `dr-drill list` of every scenario that needs completed chunks, when the engine has versions without them. */
function smallChunksOnly(versions: string[]): string {
  const ignoring = versions.filter((v) => !eventStoreVersion(v).honoursChunkSize);
  return ignoring.length
    ? ` (${SMALL_CHUNK_VERSIONS.join(", ")} only: ${ignoring.join(" and ")} ignore CHUNK_SIZE, their 256 MiB chunk is never completed by a drill)`
    : "";
}

/**
 * A scenario that means something only with completed chunks (a flipped byte in one, one missing, a differential of
 * scavenged chunks) is refused, before anything starts, on a version that ignores CHUNK_SIZE: there a drill's few
 * thousand events stay inside one open 256 MiB chunk and the scenario would pass or fail for another reason.
 */
export function requireSmallChunks(what: string, version: string): void {
  if (eventStoreVersion(version).honoursChunkSize) return;
  throw new InputError(
    `${what} needs completed chunks, and ${version} ignores CHUNK_SIZE: its chunks stay 256 MiB (DatabaseOptions.FromConfiguration never reads ChunkSize before 24.10), which a drill's events never fill. Run it on ${SMALL_CHUNK_VERSIONS.join(", ")}`,
  );
}

const method = (req: BuildRequest): EventStoreMethod => {
  const m = EVENTSTORE_METHODS.find((x) => x === req.method);
  if (!m) throw new Error(`unknown method "${req.method}"; use one of ${EVENTSTORE_METHODS.join(", ")}`);
  return m;
};

/**
 * The drills `dr-drill run --engine <eventstore|kurrentdb> --scenario` offers, for one registry entry (EventStoreDB
 * or KurrentDB, one engine folder). A fault scenario meets its expectation when the drill shows what the fault's
 * `expect` says (faults.ts), for the stated reason.
 */
export function eventStoreScenarios(engine: string, versions: string[]): Scenario[] {
  const smallChunksNote = smallChunksOnly(versions);
  const build = (
    req: BuildRequest,
    m: EventStoreMethod,
    options: EventStoreEngineOptions = {},
    version = req.version,
  ) => new EventStoreEngine(engine, version, m, options);
  const withFault = (name: string, fault: EventStoreFault, smallChunks: boolean) => (req: BuildRequest) => {
    if (smallChunks) requireSmallChunks(`scenario ${name}`, req.version);
    return { engine: build(req, "online", fault.engineOptions), faults: [fault] };
  };
  const fault = (name: string, description: string, make: () => EventStoreFault, smallChunks = false) =>
    drillScenario({
      name,
      description: smallChunks ? description + smallChunksNote : description,
      methods: ["online"],
      workload: eventStoreWorkload,
      build: withFault(name, make(), smallChunks),
    });
  // One chunk size for every version of a matrix: the small one only when all of them honour it.
  const matrixChunkSize = drillChunkSize(versions);
  return [
    drillScenario({
      name: "load",
      description:
        "the vendor's copy order (index checkpoints, index, *.chk, chunks up to the copied writer's) under appends; restore with chaser.chk → truncate.chk" +
        (smallChunksNote ? `; the differential method${smallChunksNote}` : ""),
      methods: EVENTSTORE_METHODS,
      workload: eventStoreWorkload,
      build: (req) => {
        const m = method(req);
        if (m === "differential") requireSmallChunks("the differential method", req.version);
        // A restore into another version uses one chunk size for both nodes.
        const chunkSize = drillChunkSize(req.restoreInto ? [req.version, req.restoreInto] : [req.version]);
        return {
          engine: build(req, m, { chunkSize }),
          ...(req.restoreInto ? { restoreInto: build(req, m, { chunkSize }, req.restoreInto) } : {}),
        };
      },
    }),
    drillScenario({
      name: "clean",
      description: "no writes during the copy: the restored streams must equal the source",
      methods: ["online"],
      build: (req) => ({ engine: build(req, "online") }),
    }),
    drillScenario({
      name: "offline",
      description: "the node stopped, its data directory copied whole",
      methods: ["offline"],
      workload: eventStoreWorkload,
      build: (req) => ({ engine: build(req, "offline") }),
    }),
    drillScenario({
      name: "differential",
      description:
        "the vendor's full-and-differential procedure, a scavenge, the procedure again (index loop, .old last chunk, checkpoints one by one, the highest chunk-X.Y of each number); restored from the updated backup" +
        smallChunksNote,
      methods: ["differential"],
      workload: eventStoreWorkload,
      build: (req) => {
        requireSmallChunks("scenario differential", req.version);
        return { engine: build(req, "differential") };
      },
    }),
    fault(
      "missing-truncate-chk",
      "restored without truncate.chk: the preflight must name it, the oracle say what came back",
      missingTruncateChk,
    ),
    fault(
      "chunks-first",
      "chunks copied before the checkpoints under load: the writer checkpoint points past the copied records",
      chunksBeforeCheckpoints,
    ),
    fault(
      "missing-chunk",
      "chunk-000000, completed, missing from the backup: the node must refuse (ChunkNotFoundException)",
      missingChunk,
      true,
    ),
    fault(
      "flipped-byte",
      "a byte flipped in a completed chunk: the preflight's MD5 check must catch it",
      flippedChunkByte,
      true,
    ),
    fault("scavenge-during-copy", "a scavenge runs while the chunks are copied: no silent loss", scavengeDuringCopy),
    versionMatrixScenario({
      name: "matrix",
      description: `back up on one version, restore into each (${versions.join(" → ")}${versions.includes("22.10") ? ", chunk format v3 → v4" : ""}), every node with ${matrixChunkSize / 1024 / 1024} MiB chunks`,
      methods: ["online"],
      versions,
      source: (from) => new EventStoreEngine(engine, from, "online", { chunkSize: matrixChunkSize }),
      target: (from, to) => ({
        engine: new EventStoreEngine(engine, to, "online", { chunkSize: matrixChunkSize }),
        expect: { outcome: versionPairExpectation(from, to) },
      }),
    }),
  ];
}
