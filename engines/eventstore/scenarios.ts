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
import { versionPairExpectation } from "./versions.ts";

/** Appends from every writer while the copy runs, and a tail after it, so the chunks hold writes past the checkpoints. */
export function eventStoreWorkload(writers: number): WorkloadPlan {
  return { writers, maxOps: 50_000, maxMs: 180_000, leadInOps: 20 * writers, tailMs: 1_500 };
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
  const build = (
    req: BuildRequest,
    m: EventStoreMethod,
    options: EventStoreEngineOptions = {},
    version = req.version,
  ) => new EventStoreEngine(engine, version, m, options);
  const withFault = (fault: EventStoreFault) => (req: BuildRequest) => ({
    engine: build(req, "online", fault.engineOptions),
    faults: [fault],
  });
  const fault = (name: string, description: string, make: () => EventStoreFault) =>
    drillScenario({ name, description, methods: ["online"], workload: eventStoreWorkload, build: withFault(make()) });
  return [
    drillScenario({
      name: "load",
      description:
        "the guide's copy order (index checkpoints, index, *.chk, chunks) under appends; restore with chaser.chk → truncate.chk",
      methods: EVENTSTORE_METHODS,
      workload: eventStoreWorkload,
      build: (req) => ({
        engine: build(req, method(req)),
        ...(req.restoreInto ? { restoreInto: build(req, method(req), {}, req.restoreInto) } : {}),
      }),
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
        "a full copy, a scavenge, a differential copy of the new chunk versions; restored from both keeping the highest chunk-X.Y",
      methods: ["differential"],
      workload: eventStoreWorkload,
      build: (req) => ({ engine: build(req, "differential") }),
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
      "chunk-000000 missing from the backup: the node must refuse (ChunkNotFoundException)",
      missingChunk,
    ),
    fault(
      "flipped-byte",
      "a byte flipped in a completed chunk: the preflight's MD5 check must catch it",
      flippedChunkByte,
    ),
    fault("scavenge-during-copy", "a scavenge runs while the chunks are copied: no silent loss", scavengeDuringCopy),
    versionMatrixScenario({
      name: "matrix",
      description:
        "back up on one version, restore into each (22.10 → 23.10 → 24.10 → 25.0 → 26.0, chunk format v3 → v4)",
      methods: ["online"],
      versions,
      source: (from) => new EventStoreEngine(engine, from),
      target: (from, to) => ({
        engine: new EventStoreEngine(engine, to),
        expect: { outcome: versionPairExpectation(from, to) },
      }),
    }),
  ];
}
